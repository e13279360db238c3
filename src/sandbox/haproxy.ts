// The sandbox's load balancer: a real HAProxy on the LB host's address, one
// health-checked server per web host in backend `app`, and an admin socket in the
// sandbox directory that the hosts' login user may use (dpl reaches it over SSH
// from lb-0, as it would on a real LB).
import { spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { DplError } from '../core/errors.js';
import type { SandboxHost, SandboxInfo } from './layout.js';
import { livePid, sleep, stopAll } from './procs.js';

export function haproxyConfigText(o: { socket: string; pidFile: string; user: string; bind: string; backend: string; servers: SandboxHost[] }): string {
  const servers = o.servers.map((h) => `  server ${h.name} ${h.address}:${h.appPort} check`).join('\n');
  return `# dpl sandbox load balancer (written by \`dpl sandbox up\`)
global
  stats socket ${o.socket} mode 660 level admin user ${o.user}
  pidfile ${o.pidFile}
  nbthread 2

defaults
  mode http
  timeout connect 2s
  timeout client 10s
  timeout server 10s
  # No retries, no redispatch: a request sent to a node that is going away fails
  # visibly, so "0 failed" in the demo means the flips really drop nothing.
  retries 0

frontend www
  bind ${o.bind}
  default_backend ${o.backend}

backend ${o.backend}
  balance roundrobin
  option httpchk GET /health
  default-server inter 300ms fall 2 rise 2
${servers}
`;
}

/** One runtime API exchange: send a line, read until HAProxy closes. */
export function haproxyCommand(socket: string, line: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(socket);
    let out = '';
    const timer = setTimeout(() => s.destroy(new Error(`no answer from ${socket} in ${timeoutMs} ms`)), timeoutMs);
    s.on('data', (b) => (out += b.toString()));
    s.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    s.once('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    s.write(line + '\n');
  });
}

export interface ServerRow {
  server: string;
  status: string;
  admin: 'ready' | 'drain' | 'maint';
  sessions: number;
}

/** Every server of the backend: health status, admin state, current sessions. */
export async function serverRows(socket: string, backend: string): Promise<ServerRow[]> {
  const [csv, state] = await Promise.all([haproxyCommand(socket, `show stat ${backend} 4 -1`), haproxyCommand(socket, `show servers state ${backend}`)]);
  const lines = csv.split('\n');
  const head = (lines[0] ?? '').replace(/^# /, '').split(',');
  const col = (row: string[], name: string) => row[head.indexOf(name)] ?? '';
  const admin = new Map<string, ServerRow['admin']>();
  for (const l of state.split('\n').filter((x) => /^\d+ /.test(x))) {
    const f = l.split(' ');
    const bits = Number(f[6]);
    admin.set(f[3]!, bits & 0x67 ? 'maint' : bits & 0x18 ? 'drain' : 'ready');
  }
  return lines
    .slice(1)
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(','))
    .map((row) => ({ server: row[1]!, status: col(row, 'status'), admin: admin.get(row[1]!) ?? 'ready', sessions: Number(col(row, 'scur')) || 0 }));
}

/** Start HAProxy as a daemon and wait until every server is UP. */
export async function startHaproxy(binary: string, info: SandboxInfo, timeoutMs = 15_000): Promise<number> {
  const { haproxy: hx } = info;
  const stderr = await new Promise<{ code: number | null; text: string }>((resolve) => {
    const child = spawn(binary, ['-D', '-f', hx.config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let text = '';
    child.stderr!.on('data', (b: Buffer) => (text += b.toString()));
    child.once('error', (e) => resolve({ code: -1, text: e.message }));
    child.once('exit', (code) => resolve({ code, text }));
  });
  if (stderr.code !== 0) throw new DplError(`haproxy did not start (exit ${stderr.code}):\n${stderr.text.trim()}`, { hint: `its config is ${hx.config}` });
  const want = info.inventory.roles.web ?? [];
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const pid = livePid(hx.pidFile);
    if (pid !== null && existsSync(hx.socket)) {
      try {
        const rows = await serverRows(hx.socket, hx.backend);
        last = rows.map((r) => `${r.server} ${r.status}`).join(', ');
        if (want.every((w) => rows.find((r) => r.server === w)?.status === 'UP')) return pid;
      } catch {
        // socket not ready yet
      }
    }
    await sleep(50);
  }
  throw new DplError(`haproxy started, but not every web host became healthy within ${timeoutMs / 1000} s${last ? ` (${last})` : ''}`, {
    hint: `the app logs are ~/log/airship.log in each host's tree under ${info.dir}/hosts`,
  });
}

export async function stopHaproxy(info: SandboxInfo): Promise<number[]> {
  const pid = livePid(info.haproxy.pidFile);
  const left = pid === null ? [] : await stopAll([pid], 2000);
  rmSync(info.haproxy.socket, { force: true });
  return left;
}

export function writeHaproxyConfig(info: SandboxInfo): void {
  const web = (info.inventory.roles.web ?? []).map((n) => info.hosts[n]!);
  const { frontend } = info.haproxy;
  writeFileSync(
    info.haproxy.config,
    haproxyConfigText({ socket: info.haproxy.socket, pidFile: info.haproxy.pidFile, user: info.user, bind: `${frontend.address}:${frontend.port}`, backend: info.haproxy.backend, servers: web }),
  );
}
