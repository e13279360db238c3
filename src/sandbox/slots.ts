// Several sandboxes may run at once (the user's, an e2e test's, the demo's): each
// takes a numbered slot (the fleet's lock files, src/fleet/slots.ts) that decides its
// addresses and ports. A sandbox's lock names its directory: it outlives `dpl sandbox
// up` (the sandbox does), and is stale once that directory has no sandbox.json and
// the process that took it died.
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive } from '../fleet/procs.js';
import { readLock, takeSlot as takeFleetSlot, unlock, type SlotLocks } from '../fleet/slots.js';
import { infoFile, SLOTS, slotAddressing, type SlotAddressing } from './layout.js';

interface SlotLock {
  dir: string;
  pid: number;
}

function parse(text: string | undefined): SlotLock | undefined {
  try {
    return JSON.parse(text ?? '') as SlotLock;
  } catch {
    return undefined;
  }
}

/** Shared by every project's sandbox on this machine (read at run time, never frozen into a build). */
function locks(dir: string): SlotLocks {
  return {
    dir: join(tmpdir(), 'dpl-sandbox-slots'),
    file: (slot) => `slot-${slot}.lock`,
    content: JSON.stringify({ dir, pid: process.pid } satisfies SlotLock),
    stale: (text) => {
      const lock = parse(text);
      return !lock || (!existsSync(infoFile(lock.dir)) && !isAlive(lock.pid));
    },
  };
}

/** Release a sandbox's slot, only while its lock still names `dir` (`down` may run in another process than `up`). */
export function releaseSlot(path: string, dir: string): void {
  const text = readLock(path);
  if (parse(text)?.dir === dir) unlock(path, text!);
}

/** The first slot whose lock we get and whose every address:port is free. */
export async function takeSlot(dir: string, endpoints: (a: SlotAddressing) => Array<[string, number]>): Promise<{ lock: string; addressing: SlotAddressing }> {
  const l = locks(dir);
  const { slot, lock } = await takeFleetSlot(l, {
    slots: SLOTS,
    endpoints: (s) => endpoints(slotAddressing(s)),
    what: 'sandbox',
    lockedHint: `stop a sandbox with \`dpl sandbox down\` in its project (locks in ${l.dir})`,
  });
  return { lock, addressing: slotAddressing(slot) };
}
