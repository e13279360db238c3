// A real nginx for a rollout on the bed: it runs as the bed's login user, so the
// nginx driver, logged in over SSH as that user on the LB host, can rewrite the
// upstream include file, `nginx -t` and reload it. One server line per web host,
// named for the host (`# dpl:web-0 ready`), as the nginx driver keeps them.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BedInfo } from './bed.js';
import { freePort, until } from '../proxy/support/backends.js';
import { stopServer } from '../proxy/support/server-process.js';

export interface BedNginx {
  port: number;
  /** What `ProxyConfig.nginx` needs. */
  config: { include: string; bin: string; args: string[]; pidFile: string };
  upstream(): string;
  stop(): Promise<void>;
}

export async function startBedNginx(bed: BedInfo, servers: readonly { name: string; address: string }[]): Promise<BedNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'dpl-bed-nginx-'));
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  const include = join(dir, 'upstream-{backend}.conf');
  const upstream = include.replace('{backend}', 'app');
  const pidFile = join(dir, 'nginx.pid');
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${join(dir, t)};`).join('\n');
  writeFileSync(
    conf,
    `worker_processes 1;\npid ${pidFile};\nerror_log ${join(dir, 'error.log')};\nevents { worker_connections 512; }\nhttp {\n  access_log off;\n${temp}\n` +
      `  upstream app { include ${upstream}; }\n  server {\n    listen 127.0.0.1:${port};\n    location / { proxy_pass http://app; proxy_next_upstream off; }\n  }\n}\n`,
  );
  writeFileSync(upstream, '# upstream app: managed by dpl proxy tasks\n' + servers.map((s) => `server ${s.address};  # dpl:${s.name} ready`).join('\n') + '\n');
  for (const f of [dir, conf, upstream]) chownSync(f, bed.uid, bed.gid);
  chmodSync(dir, 0o755);
  // -e: the error log before the config is read (the default under /var/log is root's).
  const args = ['-p', dir + '/', '-c', conf, '-e', join(dir, 'error.log')];
  const asUser = process.getuid?.() === 0 ? { uid: bed.uid, gid: bed.gid } : {};
  const child: ChildProcess = spawn('/usr/sbin/nginx', [...args, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'], ...asUser });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  await until('nginx to listen', async () => {
    if (exited) throw new Error(`nginx exited: ${stderr}`);
    try {
      await (await fetch(`http://127.0.0.1:${port}/health`)).text();
      return true;
    } catch {
      return false;
    }
  });
  return {
    port,
    config: { include, bin: '/usr/sbin/nginx', args, pidFile },
    upstream: () => readFileSync(upstream, 'utf8'),
    stop: () => stopServer(child, dir),
  };
}
