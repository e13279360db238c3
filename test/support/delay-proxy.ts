// A TCP proxy in front of a bed host's sshd that delays every chunk by a fixed time
// (an operator far from that host), and can hold traffic altogether (a host that
// stalls) without touching the shared sshd. `viaProxies` writes an ssh_config that
// sends chosen aliases through proxies, keeping the real host key (HostKeyAlias).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { BedInfo } from './bed/types.js';

export interface DelayProxy {
  address: string;
  port: number;
  /** Delay added to each chunk, both directions (ms); may be changed while running. */
  delayMs: number;
  /** Hold every chunk until resume() (connections stay open). */
  pause(): void;
  resume(): void;
  /** Connections accepted so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

interface Pending {
  due: number;
  chunk: Buffer;
}

export async function delayProxy(target: { address: string; port: number }, delayMs: number): Promise<DelayProxy> {
  let paused = false;
  let accepted = 0;
  const pumps = new Set<() => void>();
  const sockets = new Set<net.Socket>();
  const state = { delayMs };

  // One direction: chunks leave in arrival order, each no earlier than arrival + delay.
  const pipe = (from: net.Socket, to: net.Socket) => {
    const queue: Pending[] = [];
    let timer: NodeJS.Timeout | undefined;
    let ended = false;
    const pump = () => {
      if (timer) return;
      while (!paused && queue.length) {
        const wait = queue[0]!.due - Date.now();
        if (wait > 0) {
          timer = setTimeout(() => ((timer = undefined), pump()), wait);
          return;
        }
        if (!to.destroyed) to.write(queue.shift()!.chunk);
        else queue.shift();
      }
      if (!paused && ended && !queue.length && !to.destroyed) to.end();
    };
    pumps.add(pump);
    from.on('data', (chunk: Buffer) => {
      queue.push({ due: Date.now() + state.delayMs, chunk });
      pump();
    });
    from.on('end', () => ((ended = true), pump()));
    from.on('close', () => pumps.delete(pump));
  };

  const server = net.createServer((client) => {
    accepted++;
    const upstream = net.connect(target.port, target.address);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { address, port } = server.address() as net.AddressInfo;
  return {
    address,
    port,
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(ms: number) {
      state.delayMs = ms;
    },
    pause: () => void (paused = true),
    resume: () => {
      paused = false;
      for (const p of pumps) p();
    },
    get accepted() {
      return accepted;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * An ssh_config (in `dir`) that reaches each alias in `via` through its proxy and
 * every other bed host as the bed's own config does. HostKeyAlias keeps checking the
 * real host's key in the bed's known_hosts.
 */
export function viaProxies(bed: BedInfo, dir: string, via: Record<string, DelayProxy>): string {
  const blocks = Object.entries(via).map(([name, p]) =>
    [`Host ${name}`, `  HostName ${p.address}`, `  Port ${p.port}`, `  HostKeyAlias ${bed.hosts[name]!.knownHostsName}`, ''].join('\n'),
  );
  const file = path.join(mkdtempSync(path.join(dir, 'ssh-')), 'config');
  // ssh_config: the first value found wins, so these blocks go before the bed's own.
  writeFileSync(file, blocks.join('\n') + '\n' + readFileSync(bed.configFile, 'utf8'));
  return file;
}
