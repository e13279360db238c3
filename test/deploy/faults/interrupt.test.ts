// Issue #16, fault 5: Ctrl-C (SIGINT to the real dpl process) is reported truthfully.
// (a) While locks are taken: web-2's sshd is SIGSTOPped (~2 s) so its lock step is
//     in flight when SIGINT arrives; then SIGCONT.
// (b) During restart: a restart hook that sleeps on the host (control file, see
//     support.ts), one host at a time; SIGINT while web-1 restarts.
// Spec (/work/spec16.md, "Ctrl-C"): exit 130, never 1, never a "fix the hosts" hint;
// while locking, the locks taken are released and nothing changed; after the switch
// decision, each host's real state is listed and `deploy.recover` finishes the rest.
import { expect, it } from 'vitest';
import { describeBed } from '../../support/bed.js';
import { faultFixtures, linesOf, sleep, until, useFleet, type CliRun } from './support.js';

const HOSTS = ['web-0', 'web-1', 'web-2'];
const show = (r: CliRun) => `exit ${r.code}\n${r.out}`;

describeBed('fault 5: Ctrl-C is reported truthfully (issue #16)', (bed) => {
  // A frozen host's handshake must outlast the ~2 s freeze (the connect is what hangs).
  const fleet = useFleet(HOSTS, { connectTimeout: 15 });
  const { project } = faultFixtures(bed, fleet);

  it('(a) SIGINT while the locks are taken: exit 130, "interrupted", no hint to fix hosts, no lock left, nothing changed', async () => {
    const p = project('int-lock');
    const first = await p.dpl(['deploy:v1.0.0']);
    expect(first.code, show(first)).toBe(0);
    const a = p.current('web-0')!;
    const before = Object.fromEntries(HOSTS.map((h) => [h, p.history(h).length]));

    fleet.freeze('web-2');
    let r: CliRun;
    try {
      const run = p.spawn(['-z', '1', 'deploy:v1.1.0']);
      let exited = false;
      void run.done.then(() => (exited = true));
      await until('web-0 and web-1 locked', () => exited || (p.locked('web-0') && p.locked('web-1')), 20_000);
      expect(exited, run.output()).toBe(false);
      await sleep(300);
      run.child.kill('SIGINT');
      await sleep(1000);
      fleet.thaw('web-2');
      r = await run.done;
    } finally {
      fleet.thaw('web-2');
    }
    expect(r.code, show(r)).toBe(130);
    expect(r.out).toMatch(/interrupted/i);
    expect(r.out).toMatch(/nothing (was )?changed/i);
    expect(r.out).not.toMatch(/fix the hosts/i);
    for (const h of HOSTS) {
      expect(p.locked(h), `${h}: lock left\n${show(r)}`).toBe(false);
      expect(p.current(h), h).toBe(a);
      expect(p.releases(h), h).toEqual([a]);
      expect(p.history(h).length, `${h}: history changed`).toBe(before[h]);
      expect(p.journal(h), h).toBe(false);
    }
  });

  it('(b) SIGINT during restart: exit 130, each host listed as live on R and restarted or not, truthfully; deploy.recover finishes', async () => {
    const p = project('int-restart');
    const first = await p.dpl(['deploy:v1.0.0']);
    expect(first.code, show(first)).toBe(0);
    const a = p.current('web-0')!;
    for (const h of HOSTS) p.control(h, '.fault-restart-sleep', '2');

    const run = p.spawn(['-z', '1', 'deploy:v1.1.0']);
    let exited = false;
    void run.done.then(() => (exited = true));
    let rel = '';
    try {
      await until(
        'web-1 restarting the new release',
        () => exited || !!(rel = p.restarts('web-1').map((l) => l.split(' ')).find(([x, what]) => x !== a && what === 'begin')?.[0] ?? ''),
        40_000,
      );
      expect(exited, run.output()).toBe(false);
      run.child.kill('SIGINT');
    } catch (e) {
      run.child.kill('SIGKILL');
      throw e;
    }
    const r = await run.done;
    for (const h of HOSTS) p.control(h, '.fault-restart-sleep', null);

    expect(r.code, show(r)).toBe(130);
    expect(r.out).not.toMatch(/fix the hosts/i);
    const restarted = HOSTS.filter((h) => p.restarts(h).includes(`${rel} done`));
    // The truth on the hosts: web-0 restarted; web-1's running restart was let finish; web-2's never began.
    expect(restarted, show(r)).toEqual(['web-0', 'web-1']);
    expect(p.restarts('web-2'), 'no new restart starts after Ctrl-C').not.toContain(`${rel} begin`);
    for (const h of HOSTS) {
      // The switch had happened everywhere: the release is live on every host (not switched back).
      expect(p.current(h), `${h}: ${rel} is live\n${show(r)}`).toBe(rel);
      const said = linesOf(r.out, h).filter((l) => l.includes(rel) && /\blive\b|switched/i.test(l) && /restart|start/i.test(l));
      expect(said, `dpl's line for ${h} (live on ${rel}, restarted or not)\n${show(r)}`).not.toEqual([]);
      if (restarted.includes(h)) for (const l of said) expect(l, `${h} did restart`).not.toMatch(/not (re)?started/i);
      else expect(said.some((l) => /not (re)?started/i.test(l)), `${h} did not restart: ${said.join(' | ')}`).toBe(true);
      expect(p.locked(h), `${h}: lock left`).toBe(false);
    }
    expect(p.journal('web-2'), 'the journal stays for deploy.recover').toBe(true);

    const rec = await p.dpl(['deploy.recover']);
    expect(rec.code, show(rec)).toBe(0);
    for (const h of HOSTS) {
      expect(p.current(h), h).toBe(rel);
      expect(p.restarts(h), `${h} restarted on ${rel}`).toContain(`${rel} done`);
      expect(p.lastRecord(h, rel)?.status, `${h}: ${rel} recorded`).toBe('deployed');
      expect(p.journal(h), `${h}: journal left`).toBe(false);
      expect(p.locked(h), `${h}: lock left`).toBe(false);
    }
    const check = await p.dpl(['deploy.check']);
    expect(check.code, show(check)).toBe(0);
  });
});
