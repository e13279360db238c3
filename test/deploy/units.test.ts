// The pure decisions of the deploy module: release names, statuses, what cleanup
// keeps, which release a rollback picks, service commands.
import { describe, expect, it } from 'vitest';
import { nextReleaseName, releaseName, sortReleases } from '../../src/deploy/layout.js';
import { parseState, previousGood, type HistoryRecord, type HostState } from '../../src/deploy/history.js';
import { planCleanup } from '../../src/deploy/cleanup.js';
import { chooseTarget } from '../../src/deploy/rollback.js';
import { serviceCommand } from '../../src/deploy/services.js';
import { describeHolder, formatAge } from '../../src/deploy/lock.js';

const R = (n: number) => `2026112${Math.floor(n / 10)}T00000${n % 10}Z`;
function state(current: number | undefined, statuses: Record<number, HistoryRecord['status'] | undefined>): HostState {
  const releases = sortReleases(Object.keys(statuses).map((n) => R(Number(n))));
  const history = Object.entries(statuses)
    .filter(([, s]) => s)
    .map(([n, s]) => ({ release: R(Number(n)), status: s!, time: '', user: 'u', machine: 'm' }));
  return { current: current === undefined ? undefined : R(current), releases, history };
}

describe('release names', () => {
  it('are UTC timestamps that sort by name, bumped past the newest existing one', () => {
    const now = new Date('2026-11-22T15:30:00.123Z');
    expect(releaseName(now)).toBe('20261122T153000Z');
    expect(nextReleaseName(now, ['20261122T152959Z'])).toBe('20261122T153000Z');
    expect(nextReleaseName(now, ['20261122T153000Z', 'junk'])).toBe('20261122T153001Z');
    // A host clock ahead of ours: still after it.
    expect(nextReleaseName(now, ['20261122T235959Z'])).toBe('20261123T000000Z');
  });
});

describe('history', () => {
  it('ignores torn lines and foreign directories; the last record is the status', () => {
    const out = [
      '@@DPL current',
      'releases/20261122T000002Z',
      '@@DPL releases',
      '20261122T000001Z\n20261122T000002Z\nnot-a-release',
      '@@DPL history',
      '{"release":"20261122T000001Z","status":"deployed"}\n{"release":"20261122T0000',
      '{"release":"20261122T000002Z","status":"deployed"}',
      '@@DPL end',
    ].join('\n');
    const s = parseState(out);
    expect(s.current).toBe('20261122T000002Z');
    expect(s.releases).toEqual(['20261122T000002Z', '20261122T000001Z']);
    expect(s.history).toHaveLength(2);
    expect(previousGood(s)).toBe('20261122T000001Z');
  });
});

describe('cleanup plan', () => {
  it('keeps N good ones; failed and rolled-back never count; current and previous good stay', () => {
    const s = state(6, { 1: 'deployed', 2: 'deployed', 3: 'failed', 4: 'deployed', 5: 'rolled-back', 6: 'deployed', 7: 'failed' });
    expect(planCleanup(s, 2)).toEqual({ keep: [R(6), R(4)], remove: [R(7), R(5), R(3), R(2), R(1)] });
  });
  it('keeps current even when marked failed, and the previous good one behind it', () => {
    const s = state(5, { 1: 'deployed', 2: 'deployed', 3: 'deployed', 4: 'deployed', 5: 'failed' });
    expect(planCleanup(s, 1).keep).toEqual([R(5), R(4)]);
  });
  it('leaves directories dpl never recorded when they are newer than current', () => {
    const s = state(2, { 1: undefined, 2: 'deployed', 3: undefined });
    expect(planCleanup(s, 5)).toEqual({ keep: [R(3), R(2)], remove: [R(1)] });
  });
});

describe('rollback target', () => {
  it('is the newest good release older than current, never a failed or rolled-back one', () => {
    const s = state(5, { 1: 'deployed', 2: 'deployed', 3: 'failed', 4: 'rolled-back', 5: 'deployed' });
    expect(chooseTarget(new Map([['a', s]]), undefined, false)).toBe(R(2));
  });
  it('refuses when hosts disagree, naming each', () => {
    const a = state(3, { 1: 'deployed', 2: 'deployed', 3: 'deployed' });
    const b = state(3, { 1: 'deployed', 2: 'failed', 3: 'deployed' });
    expect(() => chooseTarget(new Map([['web-0', a], ['web-1', b]]), undefined, false)).toThrow(/web-0: .*T000002Z\n {2}- web-1: .*T000001Z/);
  });
  it('needs force for a named release marked failed', () => {
    const s = state(2, { 1: 'failed', 2: 'deployed' });
    expect(() => chooseTarget(new Map([['a', s]]), R(1), false)).toThrow(/marked failed/);
    expect(chooseTarget(new Map([['a', s]]), R(1), true)).toBe(R(1));
  });
});

describe('services and locks', () => {
  it('fills {service} quoted into the manager template', () => {
    expect(serviceCommand({}, 'restart', 'airship')).toBe('systemctl restart airship');
    expect(serviceCommand({ manager: 'supervisorctl' }, 'reload', 'web:worker')).toBe('supervisorctl signal HUP web:worker');
    expect(serviceCommand({ manager: 'initd' }, 'restart', 'nginx')).toBe('/etc/init.d/nginx restart');
    expect(() => serviceCommand({}, 'restart', 'x; rm -rf /')).toThrow(/invalid service name/);
  });
  it('describes who holds a lock and for how long', () => {
    expect(describeHolder('{"user":"alice","machine":"laptop","pid":42,"time":"T","target":"deploy.release:stable"}', 312)).toBe(
      'alice@laptop (pid 42, since T, deploy.release:stable), 5m 12s old',
    );
    expect(describeHolder('', 5)).toMatch(/unknown holder/);
    expect(formatAge(90061)).toBe('1d 1h');
  });
});
