// A real HAProxy in front of fleet hosts: config, start (ready once every server is
// UP), its runtime API over the admin socket, stop. Runs in the foreground (-db) as
// our child, its output in a log file; `detached` lets it outlive us (a sandbox's).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { DplError } from '../core/errors.js';
import { isAlive, sleep, stopAll } from './procs.js';
import { which } from './tools.js';

export interface HaproxySocket {
  path: string;
  level: 'admin' | 'operator' | 'user';
  /** Octal mode of the socket (default 600). */
  mode?: string;
  /** Owner, so a login user other than us may use it (through SSH, as on a real LB). */
  user?: string;
}

export interface HaproxyPlan {
  /** haproxy.cfg */
  config: string;
  logFile: string;
  /** Written with the pid once it runs (haproxy -db writes none). */
  pidFile?: string;
  sockets: HaproxySocket[];
  /** address:port of the frontend. */
  bind: string;
  backend: string;
  servers: Array<{ name: string; address: string }>;
  /** What the health check asks for (default /health). */
  healthPath?: string;
  /** Health check interval (default 300 ms). */
  interMs?: number;
  /** More lines in the backend section, before its servers (e.g. the maintenance rule). */
  backendLines?: string[];
  /** More config at the end (other backends). */
  extra?: string;
}

export function haproxyConfigText(p: HaproxyPlan): string {
  const sockets = p.sockets.map((s) => `  stats socket ${s.path} mode ${s.mode ?? '600'} level ${s.level}${s.user ? ` user ${s.user}` : ''}`);
  const servers = p.servers.map((s) => `  server ${s.name} ${s.address} check`);
  return [
    '# dpl fleet load balancer',
    'global',
    ...sockets,
    '  nbthread 2',
    '',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 10s',
    '  timeout server 10s',
    // A check waits up to 2 s for an answer (else only `inter`): on a loaded machine,
    // slow-but-healthy nodes were marked DOWN. A stopped node still fails at once.
    '  timeout check 2s',
    // No retries, no redispatch: a request sent to a node that is going away fails
    // visibly, so "0 failed" under load means the flips really drop nothing.
    '  retries 0',
    '',
    'frontend www',
    `  bind ${p.bind}`,
    `  default_backend ${p.backend}`,
    '',
    `backend ${p.backend}`,
    '  balance roundrobin',
    `  option httpchk GET ${p.healthPath ?? '/health'}`,
    `  default-server inter ${p.interMs ?? 300}ms fall 2 rise 2`,
    ...(p.backendLines ?? []).map((l) => `  ${l}`),
    ...servers,
    p.extra ?? '',
    '',
  ].join('\n');
}

/** One runtime API exchange: send a line, read until HAProxy closes. */
export function haproxyCommand(socket: string, line: string, timeoutMs = 5000): Promise<string> {
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
  /** Health: UP, DOWN, MAINT, ... (the status column of `show stat`). */
  status: string;
  /** From the admin state bits of `show servers state`. */
  admin: 'ready' | 'drain' | 'maint';
  sessions: number;
}

/** Every server of `backend`: health status, admin state, current sessions. */
export async function serverRows(socket: string, backend: string, timeoutMs?: number): Promise<ServerRow[]> {
  const [csv, state] = await Promise.all([haproxyCommand(socket, `show stat ${backend} 4 -1`, timeoutMs), haproxyCommand(socket, `show servers state ${backend}`, timeoutMs)]);
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

export interface RunningHaproxy {
  pid: number;
  child: ChildProcess;
}

/** Start HAProxy and wait until every server in `waitFor` (default: all) is UP. */
export async function startHaproxy(p: HaproxyPlan, o: { binary?: string; detached?: boolean; timeoutMs?: number; waitFor?: string[]; /** Hint when servers stay unhealthy (where their logs are). */ unhealthyHint?: string } = {}): Promise<RunningHaproxy> {
  const binary = o.binary ?? which('haproxy');
  if (!binary) throw new DplError('haproxy not found', { code: 'fleet.failed', hint: 'install haproxy' });
  writeFileSync(p.config, haproxyConfigText(p));
  const log = openSync(p.logFile, 'a');
  const child = spawn(binary, ['-db', '-f', p.config], { stdio: ['ignore', log, log], detached: !!o.detached });
  closeSync(log);
  let exited: string | undefined;
  child.once('exit', (code, sig) => (exited = `exit ${code ?? sig}`));
  child.once('error', (e) => (exited = e.message));
  if (o.detached) child.unref();
  const admin = p.sockets.find((s) => s.level === 'admin') ?? p.sockets[0]!;
  const want = o.waitFor ?? p.servers.map((s) => s.name);
  const timeoutMs = o.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (!exited && Date.now() < deadline) {
    if (existsSync(admin.path)) {
      try {
        const rows = await serverRows(admin.path, p.backend);
        last = rows.map((r) => `${r.server} ${r.status}`).join(', ');
        if (want.every((w) => rows.find((r) => r.server === w)?.status === 'UP')) {
          if (p.pidFile) writeFileSync(p.pidFile, `${child.pid}\n`);
          return { pid: child.pid!, child };
        }
      } catch {
        // socket not ready yet
      }
    }
    await sleep(exited ? 0 : 50);
  }
  if (!exited) child.kill('SIGKILL');
  const text = existsSync(p.logFile) ? readFileSync(p.logFile, 'utf8').trim().split('\n').slice(-8).join('\n') : '';
  throw new DplError(
    exited
      ? `haproxy did not start (${exited})${text ? `:\n${text}` : ''}`
      : `haproxy started, but not every server became healthy within ${timeoutMs / 1000} s${last ? ` (${last})` : ''}`,
    { code: 'fleet.failed', hint: (!exited && o.unhealthyHint) || `its config is ${p.config}` },
  );
}

/** Stop HAProxy by pid (SIGTERM, then SIGKILL) and remove its sockets; resolves with pids that would not die. */
export async function stopHaproxy(pid: number | null, sockets: readonly HaproxySocket[] = []): Promise<number[]> {
  const left = pid !== null && isAlive(pid) ? await stopAll([pid], 2000) : [];
  for (const s of sockets) rmSync(s.path, { force: true });
  return left;
}
