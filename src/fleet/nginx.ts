// A real nginx in front of fleet hosts: its own prefix directory (config, pid, logs,
// temp paths), upstream `backend` including the file of `server` lines dpl's nginx
// driver owns (`# dpl:<name> ready`), and optionally a server-level include (the
// maintenance page's). Runs in the foreground (`daemon off`) as our child; as root it
// runs as the fleet's login user, so the driver, logged in over SSH as that user,
// can rewrite its files, `nginx -t` and reload it. `detached` lets it outlive us.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DplError } from '../core/errors.js';
import { isAlive, sleep, stopAll } from './procs.js';
import { which } from './tools.js';

export interface NginxPlan {
  /** The prefix: nginx.conf, nginx.pid, error.log, temp paths, the include files. */
  dir: string;
  /** address:port it listens on. */
  listen: string;
  /** The upstream's name (an nginx proxy config's backend). */
  backend: string;
  /** `params`: written after the address (`weight=2`), as in a hand-written file. */
  servers: Array<{ name: string; address: string; params?: string }>;
  /** A server-level include created empty (e.g. the maintenance page's file). */
  serverInclude?: string;
  /** An http-level include created empty (tests put a second server or a bad directive in it). */
  httpInclude?: string;
}

/** What an nginx proxy config (`ProxyConfig.nginx`) needs to drive it. */
export interface NginxDriverConfig {
  include: string;
  bin: string;
  args: string[];
  pidFile: string;
}

export interface RunningNginx {
  pid: number;
  child: ChildProcess;
  config: NginxDriverConfig;
}

export function nginxBinary(): string | undefined {
  return which('nginx');
}

/** The files of a plan, and the arguments every nginx call needs (-e: the error log before the config is read). */
export function nginxFiles(p: NginxPlan, bin: string): { conf: string; upstream: string; config: NginxDriverConfig } {
  const conf = join(p.dir, 'nginx.conf');
  const include = join(p.dir, 'upstream-{backend}.conf');
  const pidFile = join(p.dir, 'nginx.pid');
  return { conf, upstream: include.replace('{backend}', p.backend), config: { include, bin, args: ['-p', p.dir + '/', '-c', conf, '-e', join(p.dir, 'error.log')], pidFile } };
}

export function nginxConfigText(p: NginxPlan, upstream: string, pidFile: string): string {
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${join(p.dir, t)};`);
  return [
    '# dpl fleet load balancer (nginx)',
    'worker_processes 1;',
    `pid ${pidFile};`,
    `error_log ${join(p.dir, 'error.log')};`,
    'events { worker_connections 512; }',
    'http {',
    '  access_log off;',
    ...temp,
    ...(p.httpInclude ? [`  include ${p.httpInclude};`] : []),
    `  upstream ${p.backend} { include ${upstream}; }`,
    '  server {',
    `    listen ${p.listen};`,
    ...(p.serverInclude ? [`    include ${p.serverInclude};`] : []),
    // No retry on another node: a request sent to a node going away fails visibly.
    `    location / { proxy_pass http://${p.backend}; proxy_next_upstream off; }`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Write the files and start nginx; ready once a request through it gets any answer. */
export async function startNginx(p: NginxPlan, o: { binary?: string; detached?: boolean; owner?: { uid: number; gid: number }; timeoutMs?: number } = {}): Promise<RunningNginx> {
  const bin = o.binary ?? nginxBinary();
  if (!bin) throw new DplError('nginx not found', { code: 'fleet.failed', hint: 'install it: apt-get install nginx-light' });
  const { conf, upstream, config } = nginxFiles(p, bin);
  mkdirSync(p.dir, { recursive: true, mode: 0o755 });
  chmodSync(p.dir, 0o755);
  writeFileSync(conf, nginxConfigText(p, upstream, config.pidFile));
  writeFileSync(upstream, `# upstream ${p.backend}: managed by dpl proxy tasks\n` + p.servers.map((s) => `server ${s.address}${s.params ? ` ${s.params}` : ''};  # dpl:${s.name} ready`).join('\n') + '\n');
  const includes = [p.serverInclude, p.httpInclude].filter((f): f is string => !!f);
  for (const f of includes) if (!existsSync(f)) writeFileSync(f, '');
  const owned = [p.dir, conf, upstream, ...includes];
  if (o.owner) for (const f of owned) chownSync(f, o.owner.uid, o.owner.gid);
  const asUser = o.owner && process.getuid?.() === 0 ? { uid: o.owner.uid, gid: o.owner.gid } : {};
  // Its own output in a file (a detached nginx must not write into a pipe nobody reads).
  const outFile = join(p.dir, 'nginx.out');
  const out = openSync(outFile, 'a');
  const child = spawn(bin, [...config.args, '-g', 'daemon off;'], { stdio: ['ignore', out, out], detached: !!o.detached, ...asUser });
  closeSync(out);
  let exited: string | undefined;
  child.once('exit', (code, sig) => (exited = `exit ${code ?? sig}`));
  child.once('error', (e) => (exited = e.message));
  const timeoutMs = o.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  while (!exited && Date.now() < deadline) {
    try {
      await (await fetch(`http://${p.listen}/health`)).text();
      if (o.detached) child.unref();
      return { pid: child.pid!, child, config };
    } catch {
      await sleep(50);
    }
  }
  if (!exited) child.kill('SIGKILL');
  const text = [outFile, join(p.dir, 'error.log')].filter(existsSync).map((f) => readFileSync(f, 'utf8').trim()).join('\n').split('\n').slice(-6).join('\n');
  throw new DplError(exited ? `nginx did not start (${exited}): ${text}` : `nginx did not answer on ${p.listen} within ${timeoutMs / 1000} s`, { code: 'fleet.failed', hint: `its config is ${conf}` });
}

/** The upstream file as dpl's driver left it. */
export function nginxUpstream(p: NginxPlan): string {
  return readFileSync(join(p.dir, `upstream-${p.backend}.conf`), 'utf8');
}

/** Stop nginx by pid (SIGTERM, then SIGKILL); resolves with pids that would not die. */
export async function stopNginx(pid: number | null): Promise<number[]> {
  return pid !== null && isAlive(pid) ? stopAll([pid], 2000) : [];
}
