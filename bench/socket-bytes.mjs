// Counting the bytes a tool writes to the hosts' sockets (encrypted SSH traffic,
// client → server): a TCP proxy per host on 127.0.12.x with the host's port, an
// ssh_config copy pointing there and a known_hosts copy naming the proxies with
// the hosts' keys. Same count for dpl, rsync and scp.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';

const proxied = (address) => address.replace(/^127\.0\.\d+\./, '127.0.12.');

export async function countingProxies(bed, dir) {
  mkdirSync(dir, { recursive: true });
  let sent = 0;
  const servers = await Promise.all(
    Object.values(bed.hosts).map(
      (h) =>
        new Promise((resolve, reject) => {
          const server = createServer((client) => {
            const upstream = connect(h.port, h.address);
            client.on('data', (b) => (sent += b.length));
            client.pipe(upstream).pipe(client);
            const end = () => (client.destroy(), upstream.destroy());
            client.on('error', end);
            upstream.on('error', end);
            client.on('close', end);
            upstream.on('close', end);
          });
          server.once('error', reject);
          server.listen(h.port, proxied(h.address), () => resolve(server));
        }),
    ),
  );
  const knownHostsFile = join(dir, 'known_hosts');
  const known = readFileSync(bed.knownHostsFile, 'utf8');
  writeFileSync(knownHostsFile, known + known.replace(/\[127\.0\.\d+\./g, '[127.0.12.'));
  const configFile = join(dir, 'ssh_config');
  writeFileSync(
    configFile,
    readFileSync(bed.configFile, 'utf8')
      .replace(/HostName (127\.0\.\d+\.\d+)/g, (_m, a) => `HostName ${proxied(a)}`)
      .replaceAll(bed.knownHostsFile, knownHostsFile),
  );
  return {
    configFile,
    reset: () => void (sent = 0),
    total: () => sent,
    close: () => Promise.all(servers.map((s) => new Promise((r) => (s.close(), s.closeAllConnections?.(), r())))),
  };
}
