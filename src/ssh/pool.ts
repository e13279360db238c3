// The run's SSH connection pool: one connection per user@host:port (+ jump chain),
// opened on first use, shared by every task and worker, closed at the end or on
// Ctrl-C. At most `maxConnections` stay open (connection-cap.ts): idle ones past it
// close and reopen on demand. ssh2 itself is only loaded when the first connection
// opens; settings and routes come from resolver.ts, connect parameters from connect-params.ts.
import { ConnectionError, HostKeyError, InterruptedError, UsageError } from '../core/errors.js';
import type { Host } from '../core/host.js';
import type { CloseHow, Transport, TransportPool } from '../transport/types.js';
import { openConnection } from './connect.js';
import { connectParams, newShared } from './connect-params.js';
import type { SshPoolOptions } from './pool-options.js';
import { ConnectionCap, DEFAULT_MAX_CONNECTIONS } from './connection-cap.js';
import { loadSsh2 } from './ssh2-load.js';
import { CLOSED_BY_DPL, type SshConnection } from './connection.js';
import { HostResolver } from './resolver.js';
import { directIdentity, directKey, type Route } from './route.js';
import { Semaphore } from './semaphore.js';
import { SignalHub } from './signals.js';
import { SshTransport } from './transport.js';
import { WarmSockets } from './warm.js';

export type { SshPoolOptions } from './pool-options.js';

export function createSshPool(options: SshPoolOptions): TransportPool {
  return new SshPool(options);
}

/** A connection held in use (not closed by the cap) until release(). */
export interface Leased {
  connection: SshConnection;
  release(): void;
}

export class SshPool implements TransportPool {
  private readonly conns = new Map<string, Promise<SshConnection>>();
  private readonly opened = new Set<SshConnection>();
  private readonly cap: ConnectionCap<SshConnection>;
  /** known_hosts parsed once per run, decrypted keys and certificates: shared by every (re)open. */
  private readonly shared = newShared();
  private readonly resolver: HostResolver;
  private readonly connectSlots: Semaphore;
  private readonly maxConnects: number;
  private readonly warmSockets = new WarmSockets();
  private aborted = false;
  private closed = false;
  readonly signals = new SignalHub();

  constructor(readonly options: SshPoolOptions) {
    this.resolver = new HostResolver(options);
    // Measured on 2 cores with 50 sshd hosts: 50 at once beats 10 (median 1.24 s vs 1.33 s).
    this.maxConnects = options.maxConcurrentConnects ?? 50;
    this.connectSlots = new Semaphore(this.maxConnects);
    const max = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    if (!Number.isInteger(max) || max < 1) {
      throw new UsageError(`maxConnections must be a whole number of at least 1, got ${max}`, { code: 'config.invalid', hint: 'set defaults.maxConnections (or --max-connections) to 1 or more' });
    }
    this.cap = new ConnectionCap(max, (c) => this.log(c.label, 'debug', `closing the idle connection to ${c.label}: ${max} connections are open (--max-connections)`));
    options.signal?.addEventListener('abort', () => {
      this.aborted = true;
      void this.closeAll();
    }, { once: true });
  }

  async get(host: Host): Promise<Transport> {
    const route = await this.resolver.route(host);
    const transport = new SshTransport(this, host, route);
    const { release } = await this.connection(route, host.name);
    // Held until the caller's first command has leased it too (same turn of the event
    // loop): released at once, the cap would close it for a waiting host and reopen it.
    setImmediate(release);
    return transport;
  }

  /**
   * The run is about to use these hosts: start their TCP connects now (up to the
   * connect limit), then load ssh2 while the servers answer. Failures are left for
   * get() to report. With -g every host rides the gateway: nothing to warm.
   */
  warm(hosts: Host[]): void {
    if (this.aborted || this.closed || this.options.jump) return;
    // No more warm sockets than the cap has room for: each is a live TCP connection.
    const room = Math.max(0, Math.min(this.maxConnects, this.cap.limit - this.cap.count - this.warmSockets.size));
    const batch = this.resolver.prefetch(hosts.slice(0, room), (s) => {
      const key = directKey(s);
      if (!this.conns.has(directIdentity(s)) && !this.aborted && !this.closed) this.warmSockets.open(key, s.hostname, s.port);
    });
    void batch.then(loadSsh2).catch(() => undefined);
  }

  /**
   * The live connection for a route, cached or (re)opened, leased: the cap does not
   * close it before release(). Errors name `display`.
   */
  async connection(route: Route, display: string): Promise<Leased> {
    for (;;) {
      if (this.aborted) throw new InterruptedError('interrupted');
      const cached = this.conns.get(route.identity);
      if (!cached) break;
      const c = await this.rename(cached, display); // a shared attempt that failed: same error for everyone
      const release = c.alive ? this.cap.lease(c) : undefined;
      if (release) return { connection: c, release };
      // Dead, or being closed by the cap: open a new one (unless another caller already is).
      if (this.conns.get(route.identity) === cached) {
        if (c.alive) this.log(display, 'debug', `reconnecting to ${c.label}: it was closed to stay within the connection cap`);
        else this.log(display, 'debug', `reconnecting to ${c.label}: ${c.deadReason}`);
        this.conns.delete(route.identity);
      }
    }
    const opening = this.open(route);
    const p = opening.then((l) => l.connection);
    this.conns.set(route.identity, p);
    const forget = (): void => {
      if (this.conns.get(route.identity) === p) this.conns.delete(route.identity);
    };
    // One dpl closed (for the cap) is dropped from the map at once: 1,000 hosts must not
    // keep 1,000 dead clients. A dropped one stays, so its next use says why it reconnects.
    p.then((c) => c.onClose((why) => why === CLOSED_BY_DPL && forget()), forget);
    return this.rename(opening, display);
  }

  /** Keep `c` open (not closed by the cap) until the returned function is called: a forward's stream. */
  lease(c: SshConnection): () => void {
    return this.cap.lease(c) ?? (() => undefined);
  }

  /** Re-word a shared connection's error for the host that asked. */
  private async rename<T>(p: Promise<T>, display: string): Promise<T> {
    try {
      return await p;
    } catch (err) {
      if (err instanceof ConnectionError && err.host !== display) {
        const Cls = err instanceof HostKeyError ? HostKeyError : ConnectionError;
        throw new Cls(display, err.message, { code: err.code, hint: err.hint });
      }
      throw err;
    }
  }

  private async open(route: Route): Promise<Leased> {
    let via: { connection: SshConnection; name: string } | undefined;
    if (route.via) {
      try {
        const jump = await this.connection(route.via, route.via.display);
        // Pinned (and not counted) while this connection rides on it.
        this.cap.ride(jump.connection);
        jump.release();
        via = { connection: jump.connection, name: route.via.display };
      } catch (err) {
        if (!(err instanceof ConnectionError)) throw err;
        const Cls = err instanceof HostKeyError ? HostKeyError : ConnectionError;
        throw new Cls(route.display, `jump host ${route.via.display}: ${err.message}`, { code: err.code, hint: err.hint });
      }
      try {
        return await this.dial(route, via);
      } catch (err) {
        this.cap.unride(via.connection);
        throw err;
      }
    }
    return this.dial(route, undefined);
  }

  /** Open the connection itself (through `via` when set), within the cap and the parallel connect limit. */
  private async dial(route: Route, via: { connection: SshConnection; name: string } | undefined): Promise<Leased> {
    const params = await connectParams(route, via, this.options, this.shared);
    await this.cap.reserve();
    let conn: SshConnection;
    try {
      conn = await this.connectSlots.run(() => {
        if (this.aborted) throw new InterruptedError('interrupted');
        const s = route.settings;
        return openConnection({ ...params, warm: via || s.proxyCommand ? undefined : this.warmSockets.take(directKey(s)) });
      });
    } catch (err) {
      this.cap.failed();
      throw err;
    }
    if (this.aborted) {
      this.cap.failed();
      await conn.close();
      throw new InterruptedError('interrupted');
    }
    const release = this.cap.opened(conn, via?.connection);
    this.opened.add(conn);
    conn.onClose((reason) => {
      this.opened.delete(conn);
      this.cap.remove(conn);
      this.log(route.display, 'debug', `connection to ${conn.label} closed: ${reason}`);
    });
    return { connection: conn, release };
  }

  /** Close every connection, in parallel: targets first, then the jump hosts they ride on. */
  async closeAll(how: CloseHow = {}): Promise<void> {
    this.closed = true;
    this.cap.release();
    await Promise.allSettled([...this.conns.values()]);
    this.warmSockets.closeAll();
    const all = [...this.opened].filter((c) => c.alive && !(how.processExits && c.leaveToExit()));
    this.opened.clear();
    this.conns.clear();
    const hops = (c: SshConnection): number => c.key.split(' via ').length;
    const depths = [...new Set(all.map(hops))].sort((a, b) => b - a);
    for (const d of depths) await Promise.all(all.filter((c) => hops(c) === d).map((c) => c.close()));
  }

  get runSignal(): AbortSignal | undefined {
    return this.options.signal;
  }

  get commandTimeoutMs(): number | undefined {
    return this.options.commandTimeoutMs;
  }

  log(host: string, level: 'debug' | 'info' | 'warn', message: string): void {
    this.options.events.emit('log', { host, level, message, topic: 'ssh' });
  }
}
