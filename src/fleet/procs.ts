// Processes of a fleet, found and stopped by pid (never by name): pid files, their
// descendants, and processes whose command line or cwd lies inside a directory.
// Linux /proc only, like the fleet itself.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Poll `check` every `stepMs` until it is true; throws naming `what` after `timeoutMs`. */
export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000, stepMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}

export function readPid(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** The fields of /proc/<pid>/stat after the command name (state is [0], ppid [1], tty [4]). */
function statFields(pid: number | string): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** True while `pid` runs; zombies count as gone (PID 1 in a container may reap slowly). */
export function isAlive(pid: number): boolean {
  try {
    return statFields(pid)[0] !== 'Z';
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

/** pid → ppid for every process. */
export function processTable(): Map<number, number> {
  const table = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      table.set(Number(entry), Number(statFields(entry)[1]));
    } catch {
      // exited while we looked
    }
  }
  return table;
}

/** Every descendant of `pid` (children, grandchildren, ...). */
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

export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/**
 * Live processes (not us) whose command line or cwd lies inside `dir`. Processes at a
 * terminal are never included: a shell or an editor opened there is the user's, not
 * the fleet's (what a fleet starts runs without a terminal).
 */
export function processesUnder(dir: string): number[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (Number(statFields(entry)[4]) !== 0) continue;
      const cmd = cmdline(Number(entry));
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

export function signal(pids: readonly number[], sig: NodeJS.Signals): void {
  for (const p of pids) {
    try {
      process.kill(p, sig);
    } catch {
      // already gone
    }
  }
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL whatever is left; resolves with the pids that would not die. */
export async function stopAll(pids: readonly number[], graceMs = 2000): Promise<number[]> {
  const victims = [...new Set(pids)].filter(isAlive);
  if (!victims.length) return [];
  signal(victims, 'SIGTERM');
  const until = Date.now() + graceMs;
  while (Date.now() < until && victims.some(isAlive)) await sleep(25);
  return killAll(victims.filter(isAlive));
}

/** SIGKILL now (a crash, not a shutdown) and wait up to 5 s; resolves with the pids that would not die. */
export async function killAll(pids: readonly number[]): Promise<number[]> {
  signal(pids, 'SIGKILL');
  const hard = Date.now() + 5000;
  while (Date.now() < hard && pids.some(isAlive)) await sleep(10);
  return pids.filter(isAlive);
}
