// Processes of a sandbox, found and stopped by pid (never by name): pid files,
// their descendants, and any process whose command line or working directory is
// inside the sandbox directory (apps started by a deploy, tails left by monitor).
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

export function readPid(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** True while `pid` runs; zombies count as gone (PID 1 in a container may reap slowly). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
}

/** The pid in `file`, when that process still runs. */
export function livePid(file: string): number | null {
  const pid = readPid(file);
  return pid !== null && isAlive(pid) ? pid : null;
}

function processTable(): Map<number, number> {
  const table = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      table.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited while we looked
    }
  }
  return table;
}

export function descendants(pid: number): number[] {
  const table = processTable();
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift()!;
    for (const [child, parent] of table) {
      if (parent === p) {
        out.push(child);
        queue.push(child);
      }
    }
  }
  return out;
}

/** The controlling terminal of `pid` (0: none), from /proc/<pid>/stat. */
function ttyOf(pid: string): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[4]);
}

/**
 * Live processes (not us) whose command line or cwd lies inside `dir`. Processes at a
 * terminal are never included: a shell or an editor opened in the working clone is
 * the user's, not the sandbox's (what the sandbox starts runs without a terminal).
 */
export function processesUnder(dir: string): number[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (ttyOf(entry) !== 0) continue;
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${entry}/cwd`) + '/';
      } catch {
        // another user's process: cmdline is enough
      }
      if ((cmd.includes(prefix) || cwd.startsWith(prefix)) && isAlive(Number(entry))) out.push(Number(entry));
    } catch {
      // gone
    }
  }
  return out;
}

function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const p of pids) {
    try {
      process.kill(p, sig);
    } catch {
      // already gone
    }
  }
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL whatever is left; resolves with the pids that would not die. */
export async function stopAll(pids: number[], graceMs = 2000): Promise<number[]> {
  const victims = [...new Set(pids)].filter(isAlive);
  if (!victims.length) return [];
  signal(victims, 'SIGTERM');
  const until = Date.now() + graceMs;
  while (Date.now() < until && victims.some(isAlive)) await sleep(25);
  signal(victims.filter(isAlive), 'SIGKILL');
  const hard = Date.now() + 3000;
  while (Date.now() < hard && victims.some(isAlive)) await sleep(25);
  return victims.filter(isAlive);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
