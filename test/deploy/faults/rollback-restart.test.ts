// Issue #16, fault 6: a rollback whose restart fails is undone like a deploy's.
// Deploy v1.0.0 (A), then v1.1.0 (B); `deploy.rollback` goes back to A, and the
// restart hook fails on web-1 for release A only (a control file on that host, see
// support.ts): the app "does not start" from A, while restarting B still works.
// Spec (/work/spec16.md, "Rollback"): exit 1; every host is switched back to the
// release live before the rollback (B) and restarted.
// Plain hosts (no load balancer): the HAProxy variant is sandbox-rollback.test.ts.
import { expect, it } from 'vitest';
import { describeBed } from '../../support/bed.js';
import { faultFixtures, useFleet, type CliRun } from './support.js';

const HOSTS = ['web-0', 'web-1', 'web-2'];
const show = (r: CliRun) => `exit ${r.code}\n${r.out}`;

describeBed('fault 6: a rollback whose restart fails (issue #16)', (bed) => {
  const fleet = useFleet(HOSTS);
  const { project } = faultFixtures(bed, fleet);

  it('restart of the rollback target fails on web-1: exit 1, every host back on B and restarted, recorded deployed', async () => {
    const p = project('rb-restart');
    for (const ref of ['v1.0.0', 'v1.1.0']) {
      const r = await p.dpl([`deploy:${ref}`]);
      expect(r.code, show(r)).toBe(0);
    }
    const [a, b] = p.releases('web-0');
    expect(p.current('web-0')).toBe(b);
    p.control('web-1', '.fault-fail-restart-of', a!);

    const rb = await p.dpl(['deploy.rollback']);
    expect(rb.code, show(rb)).toBe(1);
    expect(rb.out).toContain('web-1');
    // The fault did happen: web-1 tried to restart A and failed.
    expect(p.restarts('web-1'), 'web-1 restart log').toContain(`${a} failed`);
    for (const h of HOSTS) {
      expect(p.current(h), `${h} must be switched back to ${b}\n${show(rb)}`).toBe(b);
      // Restarted on B after the switch back: the last restart on every host is B's, and it finished.
      expect(p.restarts(h).at(-1), `${h}: last restart\n${p.restarts(h).join('\n')}`).toBe(`${b} done`);
      expect(p.lastRecord(h, b)?.status, `${h}: ${b} is live again`).toBe('deployed');
      expect(p.journal(h), `${h}: journal left`).toBe(false);
      expect(p.locked(h), `${h}: lock left`).toBe(false);
    }
    const check = await p.dpl(['deploy.check']);
    expect(check.code, show(check)).toBe(0);
  });
});
