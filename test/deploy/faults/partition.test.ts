// Issue #16, fault 1: a partition during the switch must not leave a mixed fleet.
// 4 hosts, one at a time (-z 1); web-0..2 switch to the new release R, then web-3's
// sshd is SIGSTOPped (listener and sessions) at an exact moment, set by a wrapper
// around the switch's `mv -T` on web-3 (see support.ts):
//   (a) before web-3's rename: web-3 stays on the old release;
//   (b) right after web-3's rename: web-3 is on R, but dpl never hears back.
// Spec (/work/spec16.md, "The journal"): dpl does not switch the others back; it
// finishes every host it can and exits 1 naming the unfinished host; after the host
// is back, `deploy.recover` (or the next deploy) brings every host to R.
import { expect, it } from 'vitest';
import { describeBed } from '../../support/bed.js';
import { faultFixtures, until, useFleet, type CliRun, type FaultProject } from './support.js';

const LAST = 'web-3';
const OTHERS = ['web-0', 'web-1', 'web-2'];
const ALL = [...OTHERS, LAST];

const show = (r: CliRun) => `exit ${r.code}\n${r.out}`;

describeBed('fault 1: a partition during the switch (issue #16)', (bed) => {
  const fleet = useFleet(ALL);
  const { project } = faultFixtures(bed, fleet);

  /** Deploy v1.0.0 (A), then v1.1.0 (R) with web-3 partitioned at its switch; returns the faulted run, thawed host not yet. */
  async function partitionedDeploy(p: FaultProject, mode: 'before' | 'after'): Promise<{ r: CliRun; a: string; rel: string }> {
    const first = await p.dpl(['deploy:v1.0.0']);
    expect(first.code, show(first)).toBe(0);
    const a = p.current('web-0')!;
    fleet.arm(LAST, mode);
    const run = p.spawn(['-z', '1', '-T', '20', 'deploy:v1.1.0']);
    let exited = false;
    void run.done.then(() => (exited = true));
    try {
      await until(`the switch on ${LAST} reaching its rename (mv -T, through the host's PATH)`, () => exited || fleet.hit(LAST) !== undefined, 40_000);
      if (fleet.hit(LAST) !== undefined) fleet.freeze(LAST);
      const r = await run.done;
      expect(fleet.hit(LAST), `the wrapper never saw web-3's switch:\n${show(r)}`).toMatch(new RegExp(`^${mode} `));
      const rel = p.releases(LAST).find((x) => x !== a);
      expect(rel, `no new release on ${LAST}`).toMatch(/^\d{8}T\d{6}Z$/);
      return { r, a, rel: rel! };
    } catch (e) {
      run.child.kill('SIGKILL');
      throw e;
    }
  }

  /** The faulted run's outcome per spec: the others finished on R, web-3 named as unfinished. */
  function expectOthersFinished(p: FaultProject, r: CliRun, rel: string): void {
    expect(r.code, show(r)).toBe(1);
    for (const h of OTHERS) {
      expect(p.current(h), `${h} was switched back (or never switched): it must stay on ${rel}\n${show(r)}`).toBe(rel);
      expect(p.lastRecord(h, rel)?.status, `${h}: ${rel} recorded`).toBe('deployed');
      expect(p.restarts(h), `${h} restarted on ${rel}`).toContain(`${rel} done`);
      expect(p.journal(h), `${h}: journal left`).toBe(false);
    }
    expect(r.out).toContain(LAST);
    expect(r.out).toMatch(/unfinished|recover/i);
  }

  /** After recovery: every host on R, recorded deployed, restarted, no journal, no lock; deploy.check passes. */
  async function expectRecovered(p: FaultProject, rel: string, what: string): Promise<void> {
    for (const h of ALL) {
      expect(p.current(h), `${h} after ${what}`).toBe(rel);
      expect(p.lastRecord(h, rel)?.status, `${h}: last record of ${rel} after ${what}`).toBe('deployed');
      expect(p.restarts(h), `${h} restarted on ${rel}`).toContain(`${rel} done`);
      expect(p.journal(h), `${h}: journal left after ${what}`).toBe(false);
      expect(p.locked(h), `${h}: lock left after ${what}`).toBe(false);
    }
    const check = await p.dpl(['deploy.check']);
    expect(check.code, show(check)).toBe(0);
  }

  /** Host back: deploy.check says the fleet is not done, naming web-3. */
  async function expectCheckFlags(p: FaultProject): Promise<void> {
    const check = await p.dpl(['deploy.check']);
    expect(check.code, show(check)).not.toBe(0);
    expect(check.out).toContain(LAST);
    expect(check.out, show(check)).toMatch(/mixed|unfinished/i);
  }

  it('(a) web-3 partitioned before its rename: no switch back; exit 1 naming web-3; deploy.recover --force completes it', async () => {
    const p = project('part-a');
    const { r, a, rel } = await partitionedDeploy(p, 'before');
    try {
      expectOthersFinished(p, r, rel);
      expect(p.current(LAST), `${LAST} must not have switched`).toBe(a);
    } finally {
      fleet.thaw(LAST);
    }
    await expectCheckFlags(p);
    // The lock left on web-3 is the dead run's (same machine, pid gone): taken over with --force.
    const rec = await p.dpl(['--force', 'deploy.recover']);
    expect(rec.code, show(rec)).toBe(0);
    expect(rec.out).toContain(LAST);
    await expectRecovered(p, rel, 'deploy.recover');
  });

  it('(b) web-3 partitioned right after its rename: no switch back; exit 1 naming web-3; deploy.recover --force completes it', async () => {
    const p = project('part-b');
    const { r, rel } = await partitionedDeploy(p, 'after');
    try {
      expectOthersFinished(p, r, rel);
      expect(p.current(LAST), `${LAST} renamed before the partition`).toBe(rel);
    } finally {
      fleet.thaw(LAST);
    }
    await expectCheckFlags(p);
    const rec = await p.dpl(['--force', 'deploy.recover']);
    expect(rec.code, show(rec)).toBe(0);
    expect(rec.out).toContain(LAST);
    await expectRecovered(p, rel, 'deploy.recover');
  });

  it('(b) then the next `dpl deploy` completes the unfinished deploy first, says so, then deploys its own ref', async () => {
    const p = project('part-next');
    const { r, a, rel } = await partitionedDeploy(p, 'after');
    try {
      expectOthersFinished(p, r, rel);
    } finally {
      fleet.thaw(LAST);
    }
    const next = await p.dpl(['--force', '-z', '1', 'deploy:v2.0.0-rc.1']);
    expect(next.code, show(next)).toBe(0);
    expect(next.out, show(next)).toMatch(/unfinished|recover/i);
    expect(next.out).toContain(rel);
    const live = p.current('web-0')!;
    expect([a, rel]).not.toContain(live);
    for (const h of ALL) {
      expect(p.current(h), h).toBe(live);
      // R was completed (recorded deployed) on every host before the new release went out.
      expect(p.history(h).some((x) => x.release === rel && x.status === 'deployed'), `${h}: ${rel} recorded deployed`).toBe(true);
      expect(p.lastRecord(h, live)?.status, h).toBe('deployed');
      expect(p.journal(h), h).toBe(false);
      expect(p.locked(h), h).toBe(false);
    }
  });
});
