// Several beds may run at once (two vitest runs, a bench): each takes a numbered
// slot (a lock file holding its pid) that decides its ports. Beds whose owner
// died without teardown are cleaned up by the next bed that starts.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, descendants } from './sshd.mjs';

export const LOCK_DIR = join(tmpdir(), 'dpl-sshbed-locks');
export const BED_PREFIX = 'dpl-sshbed-';

function lockDir() {
  if (!existsSync(LOCK_DIR)) {
    mkdirSync(LOCK_DIR, { recursive: true });
    try {
      chmodSync(LOCK_DIR, 0o1777);
    } catch {
      // made by another user
    }
  }
  return LOCK_DIR;
}

function ownerOf(path) {
  try {
    return Number(readFileSync(path, 'utf8').trim()) || null;
  } catch {
    return null;
  }
}

/** Take slot n of `kind` if free (or its owner is dead). */
export function tryLock(kind, n) {
  const path = join(lockDir(), `${kind}-${n}.lock`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return path;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const owner = ownerOf(path);
      if (owner !== null && isAlive(owner)) return null;
      rmSync(path, { force: true });
    }
  }
  return null;
}

export function unlock(path) {
  if (path && ownerOf(path) === process.pid) rmSync(path, { force: true });
}

function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** Kill the sshds of one bed (only processes whose command line names this bed's directory). */
export function killBedProcesses(info) {
  const pidFiles = Object.values(info.hosts ?? {}).map((h) => h.pidFile);
  try {
    // Scratch hosts started by test files.
    for (const d of readdirSync(join(info.dir, 'scratch'))) pidFiles.push(join(info.dir, 'scratch', d, 'sshd.pid'));
  } catch {
    // none
  }
  for (const pidFile of pidFiles) {
    const pid = ownerOf(pidFile);
    if (pid === null || !isAlive(pid) || !cmdline(pid).includes(info.dir)) continue;
    for (const p of [pid, ...descendants(pid)]) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
}

/** Remove beds left behind by runs that died before teardown. */
export function cleanupStaleBeds() {
  let entries = [];
  try {
    entries = readdirSync(tmpdir()).filter((e) => e.startsWith(BED_PREFIX) && e !== 'dpl-sshbed-locks');
  } catch {
    return;
  }
  for (const entry of entries) {
    const dir = join(tmpdir(), entry);
    let info = null;
    try {
      info = JSON.parse(readFileSync(join(dir, 'bed.json'), 'utf8'));
    } catch {
      continue; // still being created, or not ours
    }
    if (!info || typeof info.ownerPid !== 'number' || isAlive(info.ownerPid)) continue;
    try {
      killBedProcesses(info);
      rmSync(dir, { recursive: true, force: true });
      if (info.slotLock && ownerOf(info.slotLock) === info.ownerPid) rmSync(info.slotLock, { force: true });
    } catch {
      // owned by another user: leave it
    }
  }
}
