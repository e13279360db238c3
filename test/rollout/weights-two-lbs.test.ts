// A weighted canary behind two HAProxy load balancers (`proxy.lb: ['lb-0', 'web-5']`,
// each its own HAProxy with the same four servers, reached over SSH on its host):
// the canary's share is set on both from each one's own weights, the bake judges
// the counters of both, and every weight is set back on both, on promotion and
// after a failed bake.
import { beforeAll, expect, it } from 'vitest';
import { describeBed } from '../support/bed.js';
import { startLoad } from '../proxy/support/load.js';
import type { Haproxy } from '../proxy/support/haproxy.js';
import type { DplEvent } from '../../src/core/events.js';
import { RolloutError } from '../../src/rollout/index.js';
import { logs, ofType, WEB } from './support/harness.js';
import { behindHaproxy } from './support/behind-haproxy.js';

/** lb-0's weights (not all equal, so "restored" means restored); web-5's HAProxy keeps its defaults. */
const BEFORE_A = { 'web-0': 1, 'web-1': 1, 'web-2': 2, 'web-3': 1 };
const BEFORE_B = { 'web-0': 1, 'web-1': 1, 'web-2': 1, 'web-3': 1 };

describeBed('weighted canary behind two HAProxy load balancers', (bed) => {
  // lb-0's HAProxy is env.hx, web-5's env.hx2.
  const env = behindHaproxy(bed, 'w2', { secondLb: 'web-5' });
  const { current } = env;
  const weightsOf = async (hx: Haproxy) => {
    const out: Record<string, number> = {};
    for (const h of WEB) out[h] = Number(/^(\d+) /.exec(await hx.command(`get weight app/${h}`))![1]);
    return out;
  };

  beforeAll(async () => {
    await env.hx.command('set weight app/web-2 2');
    expect(await weightsOf(env.hx)).toEqual(BEFORE_A);
    expect(await weightsOf(env.hx2)).toEqual(BEFORE_B);
  });

  it('a good release: the canary gets ≈10% on both LBs from their own weights, both are baked, and both are set back', async () => {
    const loads = [startLoad(env.hx.port, { workers: 2, maxMs: 90_000 }), startLoad(env.hx2.port, { workers: 2, maxMs: 90_000 })];
    const during: Array<Promise<Record<string, number>[]>> = [];
    const onEvent = (e: DplEvent) => {
      if (e.type === 'rollout.sample' && e.batch === 1 && !during.length) during.push(Promise.all([weightsOf(env.hx), weightsOf(env.hx2)]));
    };
    const r = await env.p.dpl(['rollout:v1.1.0,plan=10%w;50%;100%'], { onEvent });
    const reports = await Promise.all(loads.map((l) => l.stop()));
    expect(r.error, r.error?.message).toBeUndefined();
    for (const rep of reports) expect(rep.failures).toEqual([]);
    // lb-0: others 1, 2, 1 scaled by 9 → canary 4 of 40; web-5: others 1, 1, 1 scaled by 3 → canary 1 of 10.
    expect(await during[0]).toEqual([
      { 'web-0': 4, 'web-1': 9, 'web-2': 18, 'web-3': 9 },
      { 'web-0': 1, 'web-1': 3, 'web-2': 3, 'web-3': 3 },
    ]);
    const lines = logs(r.events, 'proxy');
    expect(lines).toContain('[lb-0] weighted canary: app/web-0 take 10% of backend app (weights app/web-0 4, app/web-1 9, app/web-2 18, app/web-3 9)');
    expect(lines).toContain('[web-5] weighted canary: app/web-0 take 10% of backend app (weights app/web-1 3, app/web-2 3, app/web-3 3)');
    expect(lines).toContain('[lb-0] weights restored: app/web-0 1, app/web-1 1, app/web-2 2, app/web-3 1');
    expect(lines).toContain('[web-5] weights restored: app/web-1 1, app/web-2 1, app/web-3 1');
    // The bake counts the canary's requests on both LBs: about 10% of everything.
    const samples = ofType(r.events, 'rollout.sample').filter((s) => s.batch === 1);
    const ratio = samples.reduce((s, x) => s + x.newRequests, 0) / samples.reduce((s, x) => s + x.newRequests + x.oldRequests, 0);
    expect(ratio).toBeGreaterThanOrEqual(0.05);
    expect(ratio).toBeLessThanOrEqual(0.15);
    expect(ofType(r.events, 'rollout.promote').map((e) => e.batch)).toEqual([1, 2, 3]);
    expect(await weightsOf(env.hx)).toEqual(BEFORE_A);
    expect(await weightsOf(env.hx2)).toEqual(BEFORE_B);
  });

  it('a bad release: the canary fails its bake, is rolled back, and both LBs get their weights back', async () => {
    const before = Object.fromEntries(WEB.map((h) => [h, current(h)]));
    const loads = [startLoad(env.hx.port, { workers: 2, maxMs: 90_000 }), startLoad(env.hx2.port, { workers: 2, maxMs: 90_000 })];
    const r = await env.p.dpl(['rollout:v1.4.0,plan=10%w;50%;100%']);
    await Promise.all(loads.map((l) => l.stop()));
    const err = r.error as RolloutError;
    expect(err).toBeInstanceOf(RolloutError);
    expect(err.exitCode).toBe(1);
    expect(err.report.failure).toMatchObject({ check: 'error-rate', batch: 1, hosts: ['web-0'] });
    expect(err.report.rolledBack).toBe(true);
    expect(Object.fromEntries(WEB.map((h) => [h, current(h)]))).toEqual(before);
    expect(await weightsOf(env.hx)).toEqual(BEFORE_A);
    expect(await weightsOf(env.hx2)).toEqual(BEFORE_B);
  });
});
