// stdinStream: a command's stdin fed from a stream as it is made (an upload's tar
// while it is packed), over a real sshd and on the local transport; a stream that
// fails closes stdin early instead of leaving the command waiting.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, expect, it } from 'vitest';
import { LocalTransport } from '../../src/transport/local.js';
import type { Transport } from '../../src/transport/types.js';
import { bedHost, bedPool, describeBed } from '../support/bed.js';

/** `data` in 256 KiB pieces, made one at a time with a pause, then an end or an error. */
function slowStream(data: Buffer, fail: boolean): Readable {
  let at = 0;
  return new Readable({
    read() {
      setTimeout(() => {
        if (at >= data.length) return void (fail ? this.destroy(new Error('pack failed')) : this.push(null));
        this.push(data.subarray(at, (at += 256 * 1024)));
      }, 2);
    },
  });
}

describeBed('exec with stdinStream', () => {
  const { pool } = bedPool();
  afterAll(() => pool.closeAll());
  const data = randomBytes(8 * 1024 * 1024);
  const sha = createHash('sha256').update(data).digest('hex');
  const transports: Array<[string, () => Promise<Transport>]> = [
    ['ssh', () => pool.get(bedHost('web-0'))],
    ['local', async () => new LocalTransport()],
  ];

  for (const [kind, get] of transports) {
    it(`${kind}: every byte arrives, in order, and stdin ends with the stream`, async () => {
      const r = await (await get()).exec('sha256sum', { stdinStream: slowStream(data, false) });
      expect(r.code).toBe(0);
      expect(r.stdout.split(' ')[0]).toBe(sha);
    });

    it(`${kind}: a failing stream ends stdin early; the command finishes with what it got`, async () => {
      const r = await (await get()).exec('wc -c', { stdinStream: slowStream(data.subarray(0, 1024 * 1024), true), timeoutMs: 20_000 });
      expect(r.code).toBe(0);
      expect(Number(r.stdout.trim())).toBeLessThanOrEqual(1024 * 1024);
    });
  }
});
