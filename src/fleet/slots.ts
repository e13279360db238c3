// Several fleets may run at once (two vitest runs, a bench, a sandbox, a team's tests):
// each takes a numbered slot that decides its ports or addresses. A slot is a lock
// file in a shared sticky directory under /tmp, created with O_EXCL; a lock whose
// owner is gone is stale and taken over. What a lock says and when it is stale is
// the caller's: the bed's lock holds its pid, a sandbox's names its directory too
// (it outlives `dpl sandbox up`).
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { DplError } from '../core/errors.js';
import { portIsFree } from './net.js';
import { join } from 'node:path';

export interface SlotLocks {
  /** The shared lock directory (made 1777, as /tmp is). */
  dir: string;
  file(slot: number): string;
  /** What this owner writes into its lock. */
  content: string;
  /** True when a lock saying `content` (undefined: unreadable) no longer holds its slot. */
  stale(content: string | undefined): boolean;
}

function lockDir(dir: string): string {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true });
    try {
      chmodSync(dir, 0o1777);
    } catch {
      // made by another user
    }
  }
  return dir;
}

export function readLock(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Take slot `slot` if it is free or its lock is stale; the lock's path, or undefined. */
export function tryLock(locks: SlotLocks, slot: number): string | undefined {
  const path = join(lockDir(locks.dir), locks.file(slot));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, locks.content);
      closeSync(fd);
      return path;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (!locks.stale(readLock(path))) return undefined;
      try {
        rmSync(path, { force: true });
      } catch {
        return undefined; // another user's stale lock (sticky directory): skip the slot
      }
    }
  }
  return undefined;
}

/** Remove the lock at `path` if it still says `content` (ours). */
export function unlock(path: string | undefined, content: string): void {
  if (!path) return;
  try {
    if (readLock(path) === content) rmSync(path, { force: true });
  } catch {
    // not ours to remove: stale now, the next fleet reclaims it
  }
}

export interface SlotSearch {
  slots: number;
  /** The address:port pairs slot `slot` needs free. */
  endpoints(slot: number): Array<[string, number]>;
  /** For the error: "no free <what> slot". */
  what: string;
  /** The hint when every slot is locked. */
  lockedHint?: string;
}

/** The first slot whose lock we get and whose every endpoint is free. */
export async function takeSlot(locks: SlotLocks, s: SlotSearch): Promise<{ slot: number; lock: string }> {
  const { slots, endpoints, what } = s;
  const busy: string[] = [];
  for (let slot = 0; slot < slots; slot++) {
    const lock = tryLock(locks, slot);
    if (!lock) continue;
    const wanted = endpoints(slot);
    const free = await Promise.all(wanted.map(([a, p]) => portIsFree(a, p)));
    if (free.every(Boolean)) return { slot, lock };
    busy.push(`slot ${slot}: ${wanted.filter((_, i) => !free[i]).map(([a, p]) => `${a}:${p}`).join(', ')} in use`);
    unlock(lock, locks.content);
  }
  throw new DplError(`no free ${what} slot (${slots} slots)`, {
    code: 'fleet.failed',
    hint: busy.length ? `ports taken by other programs: ${busy.slice(0, 3).join('; ')}` : (s.lockedHint ?? `every slot is locked (locks in ${locks.dir})`),
  });
}
