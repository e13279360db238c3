// A real nginx per test file on loopback: its own prefix, config, pid file and
// temp paths; upstream `app` includes the file dpl owns; `extra.conf` lets a test
// break `nginx -t` on purpose.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backend } from './backends.js';
import { freePort, until } from './backends.js';
import { stopServer } from './server-process.js';

export interface Nginx {
  dir: string;
  port: number;
  conf: string;
  include: string;
  extra: string;
  pidFile: string;
  args: string[];
  upstreamFile(): Promise<string>;
  stop(): Promise<void>;
}

export async function startNginx(backends: readonly Backend[]): Promise<Nginx> {
  const dir = await mkdtemp(join(tmpdir(), 'dpl-nginx-'));
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  const include = join(dir, 'upstream-{backend}.conf');
  const upstream = include.replace('{backend}', 'app');
  const extra = join(dir, 'extra.conf');
  const pidFile = join(dir, 'nginx.pid');
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${join(dir, t)};`).join('\n');
  await writeFile(
    conf,
    `${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes 1;
pid ${pidFile};
error_log ${join(dir, 'error.log')};
events { worker_connections 512; }
http {
  access_log off;
${temp}
  include ${extra};
  upstream app { include ${upstream}; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
      # no retry on another node: a request sent to a dead node must fail visibly
      proxy_next_upstream off;
    }
  }
}
`,
  );
  await writeFile(extra, '');
  // A hand-written file: dpl keeps its comments and parameters.
  await writeFile(
    upstream,
    '# upstream app: managed by dpl proxy tasks\n' +
      backends.map((b, i) => `server ${b.address}${i === 0 ? ' weight=2' : ''};  # dpl:${b.name} ready`).join('\n') +
      '\n',
  );
  const args = ['-p', dir + '/', '-c', conf];
  const child: ChildProcess = spawn('/usr/sbin/nginx', [...args, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  await until('nginx to listen', async () => {
    if (exited) throw new Error(`nginx exited: ${stderr}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      await res.text();
      return res.ok;
    } catch {
      return false;
    }
  });
  return {
    dir,
    port,
    conf,
    include,
    extra,
    pidFile,
    args,
    upstreamFile: () => readFile(upstream, 'utf8'),
    stop: () => stopServer(child, dir),
  };
}
