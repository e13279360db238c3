// What every hostile server here shares: ssh2's server API (the package's own
// entry), a fresh ed25519 host key, a random 127.0.x.y to listen on, the
// ssh_config and known_hosts through which dpl's real pool reaches it, and the
// open connections that close() ends.
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export type Ssh2Server = typeof import('ssh2');
type Ssh2Connection = import('ssh2').Connection;

export interface Listening {
  address: string;
  port: number;
  configFile: string;
  knownHostsFile: string;
}

/** ssh2 and a new host key for server `name` in `dir`. */
export function hostileServerParts(dir: string, name: string): { ssh2: Ssh2Server; hostKey: Buffer; hostKeyPath: string } {
  const ssh2 = createRequire(import.meta.url)('ssh2') as Ssh2Server;
  const hostKeyPath = join(dir, `${name}-host-key`);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', hostKeyPath], { stdio: 'ignore' });
  return { ssh2, hostKey: readFileSync(hostKeyPath), hostKeyPath };
}

/**
 * Listen on a free port of a random 127.0.x.y; write a known_hosts holding the host
 * key and an ssh_config whose `Host name` block has `lines` and the address.
 */
export async function listenOnLoopback(server: import('ssh2').Server, o: { dir: string; name: string; hostKeyPath: string; lines: string[] }): Promise<Listening> {
  const address = `127.0.${randomInt(40, 60)}.${randomInt(2, 250)}`;
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(0, address, () => res());
  });
  const port = (server.address() as AddressInfo).port;
  const [type, key] = readFileSync(`${o.hostKeyPath}.pub`, 'utf8').trim().split(/\s+/);
  const knownHostsFile = join(o.dir, `${o.name}-known_hosts`);
  writeFileSync(knownHostsFile, `[${address}]:${port} ${type} ${key}\n`);
  const configFile = join(o.dir, `${o.name}-ssh_config`);
  const lines = [...o.lines, `HostName ${address}`, `Port ${port}`, `UserKnownHostsFile ${knownHostsFile}`];
  writeFileSync(configFile, [`Host ${o.name}`, ...lines.map((l) => `  ${l}`), ''].join('\n'));
  return { address, port, configFile, knownHostsFile };
}

/** The open connections, so close() can end them: server.close() waits until every one is gone. */
export function trackClients(): { add(client: Ssh2Connection): void; endAll(): void } {
  const clients = new Set<Ssh2Connection>();
  return {
    add(client) {
      clients.add(client);
      client.on('close', () => clients.delete(client));
    },
    endAll: () => clients.forEach((c) => c.end()),
  };
}
