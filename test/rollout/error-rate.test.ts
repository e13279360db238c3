// The bake's decisions from HAProxy counters: pure, no LB.
import { describe, expect, it } from 'vitest';
import { BakeJudge, countersOf, judgeWindow, windowOf, type ServerCounters } from '../../src/rollout/error-rate.js';
import { capacityProblems, mergeViews, plannedCapacityProblems, toDrain, toRestore } from '../../src/rollout/rotation.js';
import { healthTarget } from '../../src/rollout/health.js';
import { resolveRollout } from '../../src/rollout/config.js';
import type { ServerState } from '../../src/proxy/driver.js';

const limits = { minRequests: 20, maxErrorRate: 0.05, relativeFactor: 2, failedSamples: 2 };
const snap = (o: Record<string, [number, number, boolean?]>) =>
  new Map<string, ServerCounters>(Object.entries(o).map(([k, [requests, errors, down]]) => [k, { requests, errors, down: !!down }]));

describe('judgeWindow', () => {
  it('too few requests is inconclusive, never a failure', () => {
    const j = judgeWindow({ requests: 19, errors: 19 }, { requests: 500, errors: 0 }, limits);
    expect(j.verdict).toBe('inconclusive');
    expect(j.reason).toMatch(/only 19 requests reached the new nodes \(need 20\)/);
  });

  it('fails above the absolute limit when the old nodes are clean', () => {
    const j = judgeWindow({ requests: 100, errors: 6 }, { requests: 500, errors: 0 }, limits);
    expect(j).toMatchObject({ verdict: 'fail', rate: 0.06, oldRate: 0, limit: 0.05 });
    expect(j.reason).toBe('error rate too high: 6 errors in 100 requests = 6.0%, limit 5.0% (old nodes 0.0% of 500)');
    expect(judgeWindow({ requests: 100, errors: 5 }, { requests: 500, errors: 0 }, limits).verdict).toBe('pass');
  });

  it('tolerates k × the old nodes\' rate when that is above the absolute limit', () => {
    // Old nodes at 10%: the new ones may have up to 20%.
    expect(judgeWindow({ requests: 100, errors: 19 }, { requests: 200, errors: 20 }, limits)).toMatchObject({ verdict: 'pass', limit: 0.2 });
    expect(judgeWindow({ requests: 100, errors: 21 }, { requests: 200, errors: 20 }, limits).verdict).toBe('fail');
  });

  it('ignores the old nodes\' rate when they saw too few requests', () => {
    const j = judgeWindow({ requests: 100, errors: 10 }, { requests: 5, errors: 5 }, limits);
    expect(j).toMatchObject({ verdict: 'fail', oldRate: null, limit: 0.05 });
    expect(j.reason).toContain('old nodes: only 5 requests');
  });
});

describe('countersOf / windowOf', () => {
  it('counts 5xx + eresp + econ over req_tot, falling back to stot', () => {
    expect(countersOf({ req_tot: '120', stot: '99', hrsp_5xx: '3', eresp: '1', econ: '2', status: 'UP' })).toEqual({ requests: 120, errors: 6, down: false });
    expect(countersOf({ req_tot: '', stot: '40', hrsp_5xx: '', eresp: '0', econ: '', status: 'DOWN 1/2' })).toEqual({ requests: 40, errors: 0, down: true });
    expect(countersOf({ status: 'MAINT' }).down).toBe(false);
  });

  it('sums deltas over servers; a counter going back (reload) gives no window', () => {
    const a = snap({ 'app/w0': [10, 1], 'app/w1': [20, 0] });
    const b = snap({ 'app/w0': [40, 4], 'app/w1': [50, 0] });
    expect(windowOf(a, b, ['app/w0', 'app/w1'])).toEqual({ requests: 60, errors: 3 });
    expect(windowOf(b, a, ['app/w0'])).toBeUndefined();
  });
});

describe('BakeJudge', () => {
  const start = snap({ 'app/new': [0, 0], 'app/old': [0, 0] });

  it('passes clean samples and moves the window on', () => {
    const j = new BakeJudge(['app/new'], ['app/old'], limits, start);
    expect(j.observe(snap({ 'app/new': [30, 0], 'app/old': [90, 0] }))).toMatchObject({ index: 1, verdict: 'pass', fresh: { requests: 30, errors: 0 }, rollback: false });
    expect(j.observe(snap({ 'app/new': [60, 1], 'app/old': [180, 0] }))).toMatchObject({ verdict: 'pass', fresh: { requests: 30, errors: 1 } });
  });

  it('grows an inconclusive window until it has enough requests', () => {
    const j = new BakeJudge(['app/new'], ['app/old'], limits, start);
    expect(j.observe(snap({ 'app/new': [10, 5], 'app/old': [30, 0] })).verdict).toBe('inconclusive');
    const s = j.observe(snap({ 'app/new': [25, 12], 'app/old': [80, 0] }));
    expect(s).toMatchObject({ verdict: 'fail', fresh: { requests: 25, errors: 12 }, failed: 1, rollback: false });
  });

  it('rolls back after failedSamples failures, not before', () => {
    const j = new BakeJudge(['app/new'], ['app/old'], limits, start);
    expect(j.observe(snap({ 'app/new': [40, 20], 'app/old': [100, 0] }))).toMatchObject({ verdict: 'fail', failed: 1, rollback: false });
    expect(j.observe(snap({ 'app/new': [80, 20], 'app/old': [200, 0] }))).toMatchObject({ verdict: 'pass', failed: 1, rollback: false });
    expect(j.observe(snap({ 'app/new': [120, 40], 'app/old': [300, 0] }))).toMatchObject({ verdict: 'fail', failed: 2, rollback: true });
  });

  it('a new node DOWN fails at once, and so does an earlier batch\'s node', () => {
    const j = new BakeJudge(['app/new'], ['app/old'], limits, start);
    expect(j.observe(snap({ 'app/new': [1, 0, true], 'app/old': [10, 0] }))).toMatchObject({ verdict: 'fail', rollback: true, down: ['app/new'] });
    const k = new BakeJudge(['app/new'], ['app/old'], limits, start, ['app/canary']);
    expect(k.observe(snap({ 'app/new': [30, 0], 'app/old': [10, 0], 'app/canary': [5, 0, true] }))).toMatchObject({ rollback: true, down: ['app/canary'] });
    // An old node DOWN is not the release's fault.
    expect(new BakeJudge(['app/new'], ['app/old'], limits, start).observe(snap({ 'app/new': [30, 0], 'app/old': [10, 0, true] })).verdict).toBe('pass');
  });

  it('a counter reset (HAProxy reload) starts a new window instead of judging', () => {
    const j = new BakeJudge(['app/new'], ['app/old'], limits, snap({ 'app/new': [500, 0], 'app/old': [900, 0] }));
    expect(j.observe(snap({ 'app/new': [3, 0], 'app/old': [9, 0] }))).toMatchObject({ verdict: 'inconclusive', reason: expect.stringContaining('reloaded') });
    expect(j.observe(snap({ 'app/new': [33, 0], 'app/old': [99, 0] }))).toMatchObject({ verdict: 'pass', fresh: { requests: 30, errors: 0 } });
  });
});

describe('rotation rules', () => {
  const st = (server: string, admin: ServerState['admin'], health: ServerState['health'] = 'up'): ServerState => ({ backend: 'app', server, admin, health, status: '', check: '' });

  it('merges LBs pessimistically', () => {
    const v = mergeViews([[st('a', 'ready'), st('b', 'ready')], [st('a', 'drain'), st('b', 'ready', 'down')]]);
    expect(v).toEqual([
      { key: 'app/a', backend: 'app', server: 'a', admin: 'drain', health: 'up' },
      { key: 'app/b', backend: 'app', server: 'b', admin: 'ready', health: 'down' },
    ]);
  });

  it('refuses a batch that would leave a backend with nothing live', () => {
    const views = mergeViews([[st('a', 'ready'), st('b', 'ready'), st('c', 'maint')]]);
    expect(capacityProblems(views, new Set(['app/a']))).toEqual([]);
    expect(capacityProblems(views, new Set(['app/a', 'app/b']))[0]).toMatch(/backend app would have no live server \(others: c maint\)/);
    // Already out of rotation: taking it "out" costs nothing.
    expect(capacityProblems(views, new Set(['app/c']))).toEqual([]);
    expect(plannedCapacityProblems(views, [['app/a'], ['app/b', 'app/a']])).toHaveLength(1);
    expect(toDrain(views, ['app/a', 'app/c'])).toEqual([{ backend: 'app', server: 'a' }]);
    expect(toRestore(new Map([['app/a', 'ready'], ['app/c', 'maint']]), ['app/a', 'app/c'])).toEqual([{ backend: 'app', server: 'a' }]);
  });
});

describe('healthTarget', () => {
  const h = resolveRollout({ health: { port: 8080 } }).health;
  const host = (vars: Record<string, unknown> = {}) => ({ name: 'web-0', hostname: 'web-0.example', vars });

  it('host var > config > the LB\'s address of the server', () => {
    expect(healthTarget(host({ healthAddress: '10.0.0.5:9000' }), h)).toEqual({ host: '10.0.0.5', port: 9000 });
    expect(healthTarget(host({ healthAddress: '10.0.0.5' }), h)).toEqual({ host: '10.0.0.5', port: 8080 });
    expect(healthTarget(host({ healthAddress: 9001 }), h, { host: '10.1.1.1', port: 80 })).toEqual({ host: '10.1.1.1', port: 9001 });
    expect(healthTarget(host(), h)).toEqual({ host: '127.0.0.1', port: 8080 });
    const noPort = resolveRollout().health;
    expect(healthTarget(host(), noPort, { host: '10.1.1.1', port: 8081 })).toEqual({ host: '10.1.1.1', port: 8081 });
    expect(healthTarget(host(), { ...noPort, via: 'local', port: 80 })).toEqual({ host: 'web-0.example', port: 80 });
    expect(() => healthTarget(host(), noPort)).toThrow(/no port for the health check of web-0/);
  });
});
