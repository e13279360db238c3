// `dpl sandbox down`: stop every process of the sandbox by pid (HAProxy, nginx, Prometheus, the apps
// svc started, each sshd with its connections and sessions, and anything else
// running from inside the sandbox directory), then remove the directory.
import { existsSync, lstatSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { readInfo, sshdFiles, type SandboxInfo } from './layout.js';
import { livePid, processesUnder, stopAll } from '../fleet/procs.js';
import { sshdProcesses } from '../fleet/sshd.js';
import { releaseSlot } from './slots.js';

export interface DownResult {
  /** The directory removed (undefined when there was none). */
  dir?: string;
  stopped: number;
  /** Pids that survived SIGKILL (another user's processes, or a kernel wait). */
  left: number[];
}

/** The app processes svc started: every pid file under each host's run/. */
function servicePids(dir: string): number[] {
  const hosts = join(dir, 'hosts');
  if (!existsSync(hosts)) return [];
  const pids: number[] = [];
  for (const h of readdirSync(hosts)) {
    const run = join(hosts, h, 'run');
    if (!existsSync(run)) continue;
    for (const f of readdirSync(run)) {
      const pid = f.endsWith('.pid') ? livePid(join(run, f)) : null;
      if (pid !== null) pids.push(pid);
    }
  }
  return pids;
}

function linkTarget(link: string): string | undefined {
  try {
    return lstatSync(link).isSymbolicLink() ? resolve(dirname(link), readlinkSync(link)) : undefined;
  } catch {
    return undefined;
  }
}

/** Stop and remove the sandbox at `link` (`.dpl/sandbox`, a directory or a link to one). */
export async function teardown(link: string, known?: SandboxInfo): Promise<DownResult> {
  const target = linkTarget(link);
  const dir = known?.dir ?? target ?? link;
  if (!existsSync(dir) && !target) return { stopped: 0, left: [] };
  const info = known ?? readInfo(dir);
  const pids = [
    ...(info ? [info.haproxy.pidFile, info.nginx?.pidFile, info.prometheus?.pidFile].flatMap((f) => (f ? [livePid(f)] : [])).filter((p): p is number => p !== null) : []),
    ...servicePids(dir),
    ...(info ? Object.values(info.hosts).flatMap((h) => sshdProcesses(sshdFiles(h))) : []),
    ...processesUnder(dir),
  ];
  const unique = [...new Set(pids)];
  let left = await stopAll(unique, 2000);
  // Anything a dying session started in the meantime.
  const late = processesUnder(dir);
  if (late.length) left = [...left, ...(await stopAll(late, 500))];
  rmSync(dir, { recursive: true, force: true });
  if (target) rmSync(link, { force: true });
  if (info) releaseSlot(info.slotLock, info.dir);
  return { dir, stopped: unique.length, left };
}

/**
 * What is not running that should be; empty when the machinery is up. The app
 * processes count only when asked: a deploy may have stopped one on purpose.
 */
export function checkRunning(info: SandboxInfo, o: { services?: boolean } = {}): string[] {
  const problems: string[] = [];
  for (const h of Object.values(info.hosts)) {
    if (livePid(h.sshd.pidFile) === null) problems.push(`${h.name}: sshd is not running`);
    if (!o.services) continue;
    for (const s of h.services) if (livePid(join(h.root, 'run', `${s}.pid`)) === null) problems.push(`${h.name}: ${s} is not running`);
  }
  if (livePid(info.haproxy.pidFile) === null) problems.push('haproxy is not running');
  if (info.nginx && livePid(info.nginx.pidFile) === null) problems.push('nginx is not running');
  if (info.prometheus && livePid(info.prometheus.pidFile) === null) problems.push('prometheus is not running');
  return problems;
}
