// Several sandboxes may run at once (the user's, an e2e test's, the demo's): each
// takes a numbered slot that decides its addresses and ports. A slot's lock file
// names the sandbox directory; it outlives `dpl sandbox up` (the sandbox does), and
// is stale once that directory has no sandbox.json and the process that took it died.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DplError } from '../core/errors.js';
import { infoFile, SLOTS, slotAddressing, type SlotAddressing } from './layout.js';
import { isAlive } from './procs.js';

/** Shared by every project's sandbox on this machine (read at run time, never frozen into the snapshot). */
const slotPath = (): string => join(tmpdir(), 'dpl-sandbox-slots');

interface SlotLock {
  dir: string;
  pid: number;
}

function slotDir(): string {
  const dir = slotPath();
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

function readLock(path: string): SlotLock | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as SlotLock;
  } catch {
    return undefined;
  }
}

function stale(lock: SlotLock | undefined): boolean {
  if (!lock) return true;
  return !existsSync(infoFile(lock.dir)) && !isAlive(lock.pid);
}

function tryLock(slot: number, dir: string): string | undefined {
  const path = join(slotDir(), `slot-${slot}.lock`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, JSON.stringify({ dir, pid: process.pid } satisfies SlotLock));
      closeSync(fd);
      return path;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (!stale(readLock(path))) return undefined;
      try {
        rmSync(path, { force: true });
      } catch {
        return undefined; // another user's stale lock (sticky /tmp directory): skip the slot
      }
    }
  }
  return undefined;
}

export function releaseSlot(path: string, dir: string): void {
  try {
    if (readLock(path)?.dir === dir) rmSync(path, { force: true });
  } catch {
    // not ours to remove; it is stale now and the next sandbox of its owner reclaims it
  }
}

/** True when nothing listens on address:port (we could bind it ourselves). */
export function portIsFree(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: address, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** The first slot whose lock we get and whose every address:port is free. */
export async function takeSlot(dir: string, endpoints: (a: SlotAddressing) => Array<[string, number]>): Promise<{ lock: string; addressing: SlotAddressing }> {
  const busy: string[] = [];
  for (let slot = 0; slot < SLOTS; slot++) {
    const lock = tryLock(slot, dir);
    if (!lock) continue;
    const addressing = slotAddressing(slot);
    const wanted = endpoints(addressing);
    const free = await Promise.all(wanted.map(([a, p]) => portIsFree(a, p)));
    if (free.every(Boolean)) return { lock, addressing };
    busy.push(`slot ${slot}: ${wanted.filter((_, i) => !free[i]).map(([a, p]) => `${a}:${p}`).join(', ')} in use`);
    releaseSlot(lock, dir);
  }
  throw new DplError(`no free sandbox slot (${SLOTS} slots on 127.0.30.x)`, {
    hint: busy.length ? `ports taken by other programs: ${busy.slice(0, 3).join('; ')}` : `stop a sandbox with \`dpl sandbox down\` in its project (locks in ${slotPath()})`,
  });
}
