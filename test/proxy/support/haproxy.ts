// A real HAProxy per test file: its own config in a temp dir, an admin socket and
// an operator socket, a frontend on a free loopback port, backend `app` with
// health-checked servers pointing at the test's node backends.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backend } from './backends.js';
import { freePort, until } from './backends.js';
import { stopServer } from './server-process.js';

export interface Haproxy {
  dir: string;
  adminSock: string;
  operatorSock: string;
  port: number;
  /** One runtime API exchange, independent of the code under test. */
  command(line: string, sock?: string): Promise<string>;
  /** svname → status column of `show stat`. */
  statuses(backend?: string): Promise<Record<string, string>>;
  /** svname → ready | drain | maint, from the admin state bits of `show servers state`. */
  admin(backend?: string): Promise<Record<string, string>>;
  /** Every server ready and UP again (between tests). */
  reset(backends: readonly Backend[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startHaproxy(backends: readonly Backend[], opts: { extraBackends?: string } = {}): Promise<Haproxy> {
  const dir = await mkdtemp(join(tmpdir(), 'dpl-haproxy-'));
  const port = await freePort();
  const adminSock = join(dir, 'admin.sock');
  const operatorSock = join(dir, 'operator.sock');
  const servers = backends.map((b) => `  server ${b.name} ${b.address} check`).join('\n');
  // retries 0 and no redispatch: a request routed to a dead node fails visibly
  // instead of being retried elsewhere, so the load test cannot be fooled.
  const cfg = `global
  stats socket ${adminSock} mode 600 level admin
  stats socket ${operatorSock} mode 600 level operator
  nbthread 2
defaults
  mode http
  timeout connect 2s
  timeout client 10s
  timeout server 10s
  # A check waits up to 2 s for an answer: without this it waits only \`inter\` (200 ms),
  # and when the whole suite loads both cores, slow-but-healthy nodes were marked DOWN
  # (a rotation test saw 503s once). A stopped node still fails its check at once.
  timeout check 2s
  retries 0
frontend fe
  bind 127.0.0.1:${port}
  default_backend app
backend app
  balance roundrobin
  option httpchk GET /health
  default-server inter 200ms fall 2 rise 2
${servers}
${opts.extraBackends ?? ''}
`;
  await writeFile(join(dir, 'haproxy.cfg'), cfg);
  const child: ChildProcess = spawn('/usr/sbin/haproxy', ['-f', join(dir, 'haproxy.cfg'), '-db'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));

  const command = (line: string, sock = adminSock): Promise<string> =>
    new Promise((resolve, reject) => {
      const s = connect(sock);
      let out = '';
      s.on('data', (b) => (out += b.toString()));
      s.once('error', reject);
      s.once('close', () => resolve(out));
      s.write(line + '\n');
    });
  const statuses = async (backend = 'app'): Promise<Record<string, string>> => {
    const csv = await command(`show stat ${backend} 4 -1`);
    const lines = csv.split('\n').filter((l) => l && !l.startsWith('#'));
    const head = csv.split('\n')[0]!.slice(2).split(',');
    const si = head.indexOf('status');
    return Object.fromEntries(lines.map((l) => [l.split(',')[1]!, l.split(',')[si]!]));
  };

  const admin = async (backend = 'app'): Promise<Record<string, string>> => {
    const text = await command(`show servers state ${backend}`);
    const rows = text.split('\n').filter((l) => /^\d+ /.test(l) && l.includes(' '));
    return Object.fromEntries(
      rows.map((l) => {
        const f = l.split(' ');
        const bits = Number(f[6]);
        return [f[3]!, bits & 0x67 ? 'maint' : bits & 0x18 ? 'drain' : 'ready'];
      }),
    );
  };
  const reset = async (nodes: readonly Backend[]): Promise<void> => {
    for (const n of nodes) {
      n.healthy = true;
      if (!n.running) await n.start();
    }
    await command(nodes.map((n) => `set server app/${n.name} state ready`).join('; '));
    await until('every server UP', async () => {
      const st = await statuses();
      return nodes.every((n) => st[n.name] === 'UP');
    });
  };

  try {
    await until('haproxy to start with every server UP', async () => {
      if (exited) throw new Error(`haproxy exited: ${stderr}`);
      try {
        const st = await statuses();
        return backends.every((b) => st[b.name] === 'UP');
      } catch {
        return false;
      }
    });
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }

  return {
    dir,
    adminSock,
    operatorSock,
    port,
    command,
    statuses,
    admin,
    reset,
    stop: () => stopServer(child, dir),
  };
}
