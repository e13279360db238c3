// Loopback ports and TCP connections, from the kernel's point of view (/proc/net/tcp).
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';

/** True when nothing listens on address:port (we could bind it ourselves). */
export function portIsFree(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: address, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A port on `address` that nothing listens on right now (kernel-chosen). */
export function freePort(address = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ host: address, port: 0, exclusive: true }, () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** address:port as /proc/net/tcp writes it (little-endian hex). */
function procAddress(address: string, port: number): string {
  const ip = address.split('.').reverse().map((o) => Number(o).toString(16).padStart(2, '0')).join('').toUpperCase();
  return `${ip}:${port.toString(16).toUpperCase().padStart(4, '0')}`;
}

function tcpRows(): string[][] {
  return readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1).map((l) => l.trim().split(/\s+/));
}

const ESTABLISHED = '01';

/** Established TCP connections whose local end is address:port (server side). */
export function establishedConnections(address: string, port: number): number {
  const want = procAddress(address, port);
  return tcpRows().filter((f) => f.length >= 4 && f[1] === want && f[3] === ESTABLISHED).length;
}

/**
 * Established TCP connections from *this* process to address:port (client side),
 * matched by socket inode through /proc/self/fd: exact even on shared hosts.
 */
export function ourConnectionsTo(address: string, port: number): number {
  return connectionsOf('self', [{ address, port }]);
}

/** Established TCP connections from process `pid` (one of ours) to any of these address:port pairs. */
export function connectionsOf(pid: number | 'self', to: ReadonlyArray<{ address: string; port: number }>): number {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return 0; // the process is gone
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const want = new Set(to.map((t) => procAddress(t.address, t.port)));
  return tcpRows().filter((f) => f.length >= 10 && want.has(f[2]!) && f[3] === ESTABLISHED && inodes.has(f[9]!)).length;
}
