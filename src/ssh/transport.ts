// Transport for one host over the pool: exec, interactive sessions, put/get (SFTP), connect (forwards).
// A connection that died between commands is reopened once, transparently; a
// command already running when its connection drops fails with ConnectionError.
import type { Duplex } from 'node:stream';
import { ConnectionError, HostError, InterruptedError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { Host } from '../core/host.js';
import type { ExecOptions, ExecResult, GetOptions, InteractiveOptions, InteractiveResult, SocketTarget, Transport, TransferResult } from '../transport/types.js';
import type { SshConnection } from './connection.js';
import { ChannelOpenError, execOn } from './exec.js';
import { interactiveOn } from './interactive.js';
import type { SignalHub } from './signals.js';
import type { Route } from './route.js';
import { put } from './sftp.js';
import { get } from './sftp-get.js';
import { TransferStop } from './sftp-io.js';
import type {} from './events.js'; // the EventMap entries this file emits

/** What a transport needs from its pool (pool.ts): leased connections, and the run's limits and signals. */
export interface ConnectionSource {
  /** The connection, held open (not closed by the connection cap) until release(). */
  connection(route: Route, display: string): Promise<{ connection: SshConnection; release(): void }>;
  /** Hold `c` open beyond the call that leased it (a forward's stream) until the returned function is called. */
  lease(c: SshConnection): () => void;
  readonly commandTimeoutMs: number | undefined;
  readonly runSignal: AbortSignal | undefined;
  readonly signals: SignalHub;
  readonly options: { readonly events: EventBus };
}

/** The connection is fine but the server refused the channel or request (pty, MaxSessions, ...). */
function cannotStart(display: string, what: string, label: string, err: ChannelOpenError): HostError {
  return new HostError(display, `the server refused to start ${what} on ${label}: ${err.message}`, {
    code: 'command.channel',
    hint: /pseudo-terminal/i.test(err.message) ? 'the server would not allocate a pty; run without pty' : undefined,
  });
}

export class SshTransport implements Transport {
  readonly kind = 'ssh' as const;

  constructor(
    private readonly pool: ConnectionSource,
    readonly host: Host,
    private readonly route: Route,
  ) {}

  warmSteps(): void {
    this.pool
      .connection(this.route, this.host.name)
      .then(({ connection, release }) => {
        connection.stepShell.warm();
        release();
      })
      .catch(() => undefined); // the first script reports what is wrong
  }

  /** user@host:port this transport talks to (after ssh config). */
  get target(): string {
    return `${this.route.settings.user}@${this.route.settings.hostname}:${this.route.settings.port}`;
  }

  private async withConnection<T>(what: string, fn: (c: SshConnection) => Promise<T>): Promise<T> {
    const display = this.host.name;
    const first = await this.pool.connection(this.route, display);
    try {
      return await fn(first.connection);
    } catch (err) {
      if (!(err instanceof ChannelOpenError)) throw err;
      if (!err.connectionDead) throw cannotStart(display, what, first.connection.label, err);
    } finally {
      first.release();
    }
    // The cached connection had died since its last use: one fresh connection.
    const second = await this.pool.connection(this.route, display);
    try {
      return await fn(second.connection);
    } catch (err) {
      if (err instanceof ChannelOpenError) {
        throw err.connectionDead
          ? new ConnectionError(display, `cannot start ${what} on ${second.connection.label}: ${err.message}`, { code: 'command.channel' })
          : cannotStart(display, what, second.connection.label, err);
      }
      throw err;
    } finally {
      second.release();
    }
  }

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    return this.withConnection('the command', (c) =>
      execOn(c, command, options, {
        display: this.host.name,
        timeoutMs: this.pool.commandTimeoutMs,
        runSignal: this.pool.runSignal,
        signals: this.pool.signals,
      }),
    );
  }

  /** No pool-wide command timeout here: a person is at the keyboard (only `options.timeoutMs`). */
  interactive(command: string | undefined, options: InteractiveOptions): Promise<InteractiveResult> {
    return this.withConnection(command === undefined ? 'a shell' : 'the command', (c) => interactiveOn(c, command, options, this.host.name));
  }

  put(localPath: string, remotePath: string, options?: { mode?: number }): Promise<TransferResult> {
    return this.transfer('put', (sftp, c) =>
      this.guard(c, `put ${localPath}`, () => put(sftp, this.host.name, localPath, remotePath, options?.mode)),
    );
  }

  /** Stops at once when `options.signal` (else the pool's signal) aborts: a stalled or endless server is not waited for. */
  get(remotePath: string, localPath: string, options: GetOptions = {}): Promise<TransferResult> {
    const display = this.host.name;
    const skipped = (path: string, reason: 'symlink' | 'dangling' | 'loop' | 'special', target?: string): void =>
      this.pool.options.events.emit('sftp.skipped', { host: display, path, reason, ...(target !== undefined ? { target } : {}) });
    return this.transfer('get', (sftp, c) =>
      this.guard(c, `get ${remotePath}`, async () => {
        const stop = new TransferStop(`[${display}] get ${remotePath}`, options.signal ?? this.pool.runSignal, this.pool.signals);
        try {
          return await get(sftp, remotePath, localPath, { display, followLinks: options.followLinks === true, stop, skipped });
        } finally {
          stop.dispose();
        }
      }),
    );
  }

  connect(target: SocketTarget): Promise<Duplex> {
    const what = 'path' in target ? `unix socket ${target.path}` : `${target.host}:${target.port}`;
    return this.withConnection(`a stream to ${what}`, async (c) => {
      if (!c.alive) throw new ChannelOpenError(new Error(c.deadReason ?? 'not connected'), true);
      try {
        const stream = 'path' in target ? await c.forwardUnix(target.path) : await c.forwardOut(target.host, target.port);
        // The stream outlives this call: the connection stays open (past the cap) until it closes.
        stream.once('close', this.pool.lease(c));
        return stream;
      } catch (err) {
        if (!c.alive) throw new ChannelOpenError(err as Error, true);
        throw new HostError(this.host.name, `cannot open ${what} on the host: ${(err as Error).message}`, {
          code: 'command.channel',
          hint: 'path' in target ? 'check the socket path and that the login user may open it' : undefined,
        });
      }
    });
  }

  private transfer<T>(what: string, fn: (sftp: import('ssh2').SFTPWrapper, c: SshConnection) => Promise<T>): Promise<T> {
    return this.withConnection(`an SFTP session for ${what}`, async (c) => {
      let sftp;
      try {
        sftp = await c.sftp();
      } catch (err) {
        throw new ChannelOpenError(err as Error, !c.alive);
      }
      return fn(sftp, c);
    });
  }

  /** A transfer that failed because the connection dropped is a ConnectionError (an interrupted one stays interrupted: Ctrl-C also closes connections). */
  private async guard<T>(c: SshConnection, what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!c.alive && !(err instanceof InterruptedError)) {
        throw new ConnectionError(this.host.name, `connection lost during ${what}: ${c.deadReason}`, { code: 'connect.lost', cause: err });
      }
      throw err;
    }
  }
}
