// Slot allocation of src/fleet: fleets started at the same moment (two vitest runs, a
// bench, dpl-deploy/testing in a user's suite) never share a slot; a slot whose owner
// died is taken over; a slot whose ports another program holds is skipped.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAlive, takeSlot, unlock, type SlotLocks } from '../../src/fleet/index.js';

const locks = (dir: string, owner: string): SlotLocks => ({
  dir,
  file: (n) => `t-${n}.lock`,
  content: owner,
  stale: (text) => !isAlive(Number(text)),
});

const search = (port0: number) => ({ slots: 8, endpoints: (s: number): Array<[string, number]> => [['127.0.0.1', port0 + s]], what: 'test' });

describe('fleet slots', () => {
  it('concurrent takers get distinct slots; a released slot is taken again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpl-slots-'));
    // Owners must be live pids for the locks not to look stale: this process and its parent.
    const taken = await Promise.all([takeSlot(locks(dir, String(process.pid)), search(46100)), takeSlot(locks(dir, String(process.ppid)), search(46100))]);
    expect(new Set(taken.map((t) => t.slot)).size).toBe(2);
    expect(readdirSync(dir).sort()).toEqual(['t-0.lock', 't-1.lock']);
    unlock(taken[0]!.lock, String(process.pid));
    expect((await takeSlot(locks(dir, String(process.pid)), search(46100))).slot).toBe(taken[0]!.slot);
  });

  it('a lock whose owner died is stale and taken over', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpl-slots-'));
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => child.once('exit', r));
    writeFileSync(join(dir, 't-0.lock'), String(child.pid));
    expect((await takeSlot(locks(dir, String(process.pid)), search(46200))).slot).toBe(0);
  });

  it('a slot whose port another program listens on is skipped; all busy is an error naming the ports', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpl-slots-'));
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(46300, '127.0.0.1', () => r()));
    try {
      expect((await takeSlot(locks(dir, String(process.pid)), search(46300))).slot).toBe(1);
      await expect(takeSlot(locks(dir, String(process.pid)), { ...search(46300), slots: 1 })).rejects.toMatchObject({
        message: 'no free test slot (1 slots)',
        hint: expect.stringContaining('127.0.0.1:46300 in use'),
      });
    } finally {
      srv.close();
    }
  });
});
