// The connection cap's policy on its own (src/ssh/connection-cap.ts): which connection
// closes for room, what it never closes, and that waiters get in. The same rules on
// real sshd hosts: connection-cap.test.ts.
import { describe, expect, it } from 'vitest';
import { ConnectionCap } from '../../src/ssh/connection-cap.js';

class Fake {
  closed = false;
  constructor(readonly name: string) {}
  async close(): Promise<void> {
    this.closed = true;
  }
}

const settle = () => new Promise((r) => setImmediate(r));

/** Opens `name` within the cap: reserve, then opened() (the opener's lease is released at once). */
async function open(cap: ConnectionCap<Fake>, name: string, via?: Fake): Promise<Fake> {
  await cap.reserve();
  const c = new Fake(name);
  cap.opened(c, via)();
  return c;
}

describe('ConnectionCap', () => {
  it('closes the least recently used idle connection for a waiter, and only one', async () => {
    const cap = new ConnectionCap<Fake>(2);
    const a = await open(cap, 'a');
    const b = await open(cap, 'b');
    cap.lease(a)!(); // a used after b: b is the least recently used
    const c = open(cap, 'c');
    await settle();
    expect([a.closed, b.closed]).toEqual([false, true]);
    cap.remove(b); // its close event
    expect((await c).name).toBe('c');
    expect(cap.count).toBe(2);
  });

  it('never closes a leased connection: the waiter waits for the lease to end', async () => {
    const cap = new ConnectionCap<Fake>(1);
    const a = await open(cap, 'a');
    const release = cap.lease(a)!;
    let got = false;
    const b = open(cap, 'b').then((x) => ((got = true), x));
    await settle();
    expect(a.closed).toBe(false);
    expect(got).toBe(false);
    release();
    await settle();
    expect(a.closed).toBe(true);
    expect((await b).name).toBe('b');
    expect(cap.lease(a)).toBeUndefined(); // gone: the pool opens it anew
  });

  it('a jump host with riders is neither counted nor closed; once free it is an ordinary idle connection', async () => {
    const cap = new ConnectionCap<Fake>(1);
    const jump = await open(cap, 'jump');
    cap.ride(jump);
    const t1 = await open(cap, 't1', jump); // fits: the jump carries a rider, so it is not counted
    expect(cap.count).toBe(1);
    cap.ride(jump);
    const t2 = open(cap, 't2', jump);
    await settle();
    expect(t1.closed).toBe(true); // t1 made room, the jump did not
    expect(jump.closed).toBe(false);
    const second = await t2;
    cap.remove(second);
    await settle();
    // No riders left: the jump counts again, and is the next to go for a waiter.
    expect(cap.count).toBe(1);
    await open(cap, 'other');
    expect(jump.closed).toBe(true);
  });

  it('a failed open gives its room back; release() lets every waiter through at the end of a run', async () => {
    const cap = new ConnectionCap<Fake>(1);
    await cap.reserve();
    cap.failed();
    expect(cap.count).toBe(0);
    const a = await open(cap, 'a');
    const held = cap.lease(a)!;
    const waiters = [open(cap, 'b'), open(cap, 'c')];
    cap.release();
    expect((await Promise.all(waiters)).map((x) => x.name)).toEqual(['b', 'c']);
    held();
  });

  it('counts a jump host dropped while it carries riders once, and its riders as ordinary connections', async () => {
    const cap = new ConnectionCap<Fake>(10);
    const jump = await open(cap, 'jump');
    const other = await open(cap, 'other');
    cap.ride(jump);
    cap.ride(jump);
    expect(cap.count).toBe(1); // other; the jump carries
    cap.remove(jump); // its connection dropped while two rides were being opened
    expect(cap.count).toBe(1);
    const t1 = await open(cap, 't1', jump);
    await open(cap, 't2', jump);
    expect(cap.count).toBe(3);
    cap.remove(t1);
    cap.remove(other);
    expect(cap.count).toBe(1);
    const back = await open(cap, 'jump again');
    cap.ride(back);
    cap.unride(back);
    cap.unride(back); // one unride too many changes nothing
    expect(cap.count).toBe(2);
  });

  it('refuses a cap below 1', () => {
    for (const n of [0, -1, 1.5, NaN]) expect(() => new ConnectionCap<Fake>(n)).toThrow(RangeError);
  });
});
