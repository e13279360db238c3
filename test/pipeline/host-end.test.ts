// A deploy ends each host in the script that records it (src/pipeline/host-end.ts):
// the history record, the journal's removal, cleanup and the lock's release in one
// round trip, with the same result as the separate steps had. The real CLI on bed
// hosts web-0..2; a real full tmpfs for the record that cannot be written.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { DplEvent } from '../../src/core/events.js';
import { describeBed } from '../support/bed.js';
import type { AppRepo } from '../deploy/fixtures.js';
import { cliProject, deployFixtures, HOSTS, ok, type CliRun } from '../deploy/cli-project.js';

const isRoot = process.getuid?.() === 0;
const eventsOf = (r: CliRun) => r.stdout.trim().split('\n').map((l) => JSON.parse(l) as DplEvent);
/** The steps run on `host`, in order. */
const stepsOn = (events: DplEvent[], host: string) => events.flatMap((e) => (e.type === 'command.start' && e.host === host ? [e.command] : []));

describeBed('a host ends in its record script (CLI, real hosts)', (bed) => {
  let repo!: AppRepo;
  const { track } = deployFixtures(bed, (r) => (repo = r));
  const mounts: string[] = [];
  afterAll(() => {
    for (const m of mounts) execFileSync('umount', ['-l', m], { stdio: 'ignore' });
  });

  it('records, cleans up and unlocks in one script per host, leaving what deploy.cleanup would', async () => {
    const p = track(cliProject(bed, 'end-one', `{ repoDir: ${JSON.stringify(repo.work)}, roles: ['web'], keep: 1 }`));
    for (const ref of ['v1.0.0', 'v1.1.0', 'v1.0.0']) ok(await p.dpl([`deploy:${ref}`]));
    const before = p.releases('web-0');
    expect(before).toHaveLength(2);
    const r = await p.dpl(['--json', 'deploy:v1.1.0']);
    ok(r);
    const events = eventsOf(r);
    for (const h of HOSTS) {
      const steps = stepsOn(events, h);
      const last = steps.at(-1)!;
      expect(last, steps.join(' | ')).toMatch(/^record \S+ deployed and end$/);
      expect(steps.filter((s) => /restart/.test(s)).length, steps.join(' | ')).toBeLessThanOrEqual(1);
      expect(steps).not.toContain('release deploy lock');
      expect(steps).not.toContain('read releases');
      expect(p.locked(h)).toBe(false);
      expect(existsSync(path.join(p.paths[h]!, '.dpl-journal.json'))).toBe(false);
      // keep 1: current and the previous good release; the oldest is gone and recorded so.
      const now = p.releases(h);
      expect(now).toEqual([before[1], p.current(h)]);
      expect(p.history(h).filter((x) => x.release === before[0]).at(-1)).toMatchObject({ status: 'removed', action: 'cleanup' });
    }
    const cleanups = events.filter((e) => e.type === 'deploy.cleanup') as Array<Record<string, unknown>>;
    expect(cleanups.map((e) => e['host']).sort()).toEqual(HOSTS);
    for (const e of cleanups) expect(e).toMatchObject({ removed: [before[0]], kept: expect.arrayContaining([before[1]]) });
    // Each host released its lock in that same record script.
    expect((events.filter((e) => e.type === 'lock.released') as Array<Record<string, unknown>>).flatMap((e) => e['hosts'] as string[]).sort()).toEqual(HOSTS);
    // The plan made from the state read under the lock is the one cleanup makes now.
    const again = await p.dpl(['deploy.cleanup:keep=1']);
    ok(again);
    expect(again.stdout.match(/cleanup: nothing to remove \(2 releases kept\)/g)).toHaveLength(3);
  });

  it('with an afterDeploy hook, the lock is still held while the hook runs, and released after it', async () => {
    const paths = HOSTS.map((h) => path.join(bed.hosts[h]!.root, 'deploy-end-hook'));
    const hook = `afterDeploy: async () => { const { existsSync } = await import('node:fs'); for (const p of ${JSON.stringify(paths)}) if (!existsSync(p + '/.dpl-lock')) throw new Error('no lock during afterDeploy: ' + p); }`;
    const p = track(cliProject(bed, 'end-hook', `{ repoDir: ${JSON.stringify(repo.work)}, roles: ['web'], keep: 1, hooks: { ${hook} } }`));
    for (const ref of ['v1.0.0', 'v1.1.0']) ok(await p.dpl([`deploy:${ref}`]));
    const r = await p.dpl(['--json', 'deploy:v1.0.0']);
    ok(r);
    for (const h of HOSTS) {
      expect(stepsOn(eventsOf(r), h).at(-1)).toBe('release deploy lock');
      expect(p.locked(h)).toBe(false);
    }
  });

  it.skipIf(!isRoot)('a record that cannot be written (full disk) is warned, the journal stays, and deploy.recover records it', async () => {
    // web-2's history is padded to a page boundary with a blank line, then the disk filled:
    // the next history line needs a page the tmpfs does not have.
    const fill = [
      'h=$0/history.jsonl; s=$(wc -c < "$h"); head -c $((8192 - s % 4096 - 1)) /dev/zero | tr "\\\\0" " " >> "$h"; echo >> "$h"',
      'dd if=/dev/zero of=$0/filler bs=4k 2>/dev/null; true',
    ].join('; ');
    const hook = `afterSwitch: async (c, rel) => { if (process.env.FILL && c.host.name === 'web-2') await c.run(${JSON.stringify(`sh -c '${fill}'`)} + ' ' + rel.deployPath); }`;
    const p = track(cliProject(bed, 'end-full', `{ repoDir: ${JSON.stringify(repo.work)}, roles: ['web'], keep: 2, hooks: { ${hook} } }`));
    const dir = p.paths['web-2']!;
    mkdirSync(dir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0755', 'tmpfs', dir]);
    mounts.push(dir);
    chownSync(dir, bed.uid, bed.gid);
    ok(await p.dpl(['deploy:v1.0.0']));

    const r = await p.dpl(['deploy:v1.1.0'], { FILL: '1' });
    const release = p.current('web-0')!;
    expect(r.stdout + r.stderr).toMatch(/\[web-2\] warning: could not record the deploy in history\.jsonl: [^]*No space left on device/);
    for (const h of HOSTS) {
      expect(p.current(h)).toBe(release);
      expect(p.locked(h)).toBe(false);
    }
    expect(existsSync(path.join(dir, '.dpl-journal.json'))).toBe(true);
    expect(p.history('web-2').some((x) => x.release === release && x.status === 'deployed')).toBe(false);

    rmSync(path.join(dir, 'filler'));
    ok(await p.dpl(['deploy.recover']));
    expect(p.history('web-2').filter((x) => x.release === release).at(-1)).toMatchObject({ status: 'deployed' });
    expect(existsSync(path.join(dir, '.dpl-journal.json'))).toBe(false);
  });
});
