// `-z` bounds every phase of a deploy (issue #18): the real CLI deploys to five bed
// hosts with `-z 2 --json`, and the events show at most two hosts' steps in flight
// at any moment, the lock release included (it once fanned out to every host; it is
// now the end of each host's record script).
import { expect, it } from 'vitest';
import type { DplEvent } from '../../src/core/events.js';
import { describeBed } from '../support/bed.js';
import type { AppRepo } from './fixtures.js';
import { cliProject, deployFixtures, ok } from './cli-project.js';

const FIVE = ['web-0', 'web-1', 'web-2', 'web-3', 'web-4'];

/** The most steps in flight at once, per step name, from the event stream's order. */
function peaks(events: DplEvent[]): Map<string, number> {
  const now = new Map<string, number>();
  const top = new Map<string, number>();
  let all = 0;
  for (const e of events) {
    if ((e.type !== 'command.start' && e.type !== 'command.end') || !FIVE.includes(e.host)) continue;
    const step = e.command;
    const d = e.type === 'command.start' ? 1 : -1;
    now.set(step, (now.get(step) ?? 0) + d);
    all += d;
    top.set(step, Math.max(top.get(step) ?? 0, now.get(step)!));
    top.set('(any step)', Math.max(top.get('(any step)') ?? 0, all));
  }
  return top;
}

describeBed('-z bounds every deploy phase (CLI, five real hosts)', (bed) => {
  let repo!: AppRepo;
  const { track } = deployFixtures(bed, (r) => (repo = r));

  it('deploy and cleanup with -z 2 never run more than two hosts\' steps at once, lock release included', async () => {
    const p = track(cliProject(bed, 'pool-size', `{ repoDir: ${JSON.stringify(repo.work)}, roles: ['web'], keep: 1 }`, '', FIVE));
    for (const ref of ['v1.0.0', 'v1.1.0']) {
      const r = await p.dpl(['-z', '2', '--json', `deploy:${ref}`]);
      ok(r);
      const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as DplEvent);
      const top = peaks(events);
      // The lock is released by its own step, or at the end of the record script (host-end.ts).
      const release = [...top.keys()].filter((k) => k === 'release deploy lock' || k.endsWith(' and end'));
      expect(release.length, JSON.stringify([...top])).toBeGreaterThan(0);
      for (const k of release) expect(top.get(k), `${k} ran on every host`).toBe(2);
      expect(Math.max(...top.values()), JSON.stringify([...top])).toBe(2);
      for (const h of FIVE) expect(p.locked(h)).toBe(false);
    }
  });
});
