// Issue #16, fault 2: the bake must not promote a release it never judged. On the
// real bed: four hosts running the test app behind a real HAProxy, and NO load
// generator, so no request reaches the new release and every sample is
// inconclusive. v1.4.0 answers 500 to everything but /health: only traffic can
// tell it is broken. Before the fix it reached all 4 hosts with exit 0.
import { request } from 'node:http';
import { beforeAll, expect, it } from 'vitest';
import { describeBed } from '../support/bed.js';
import { RolloutError } from '../../src/rollout/index.js';
import type { DplEvent } from '../../src/core/events.js';
import { logs, ofType, WEB } from './support/harness.js';
import { behindHaproxy } from './support/behind-haproxy.js';
import { warningsOf } from '../helpers/words.js';

describeBed('the bake judges or stops: no traffic is no evidence (#16 fault 2)', (bed) => {
  const env = behindHaproxy(bed, 'bake');
  const { current, currents, version } = env;
  const lastRecord = (h: string) => env.history(h).at(-1)!;
  const warnings = (events: DplEvent[]) => warningsOf(events);
  // A short bake: 1 s, a sample every 250 ms; maxDurationMs defaults to 3 × 1 s.
  const BAKE = { durationMs: 1000, sampleMs: 250, minRequests: 5, maxErrorRate: 0.05, relativeFactor: 2, failedSamples: 2 };

  /** When each batch went live and when the rollout stopped, from the events as they came. */
  const timing = () => {
    const at: { live: Record<number, number>; failed?: number } = { live: {} };
    const onEvent = (e: DplEvent) => {
      if (e.type === 'rollout.batch' && e.state === 'live') at.live[e.batch] = Date.now();
      if (e.type === 'rollout.batch' && e.state === 'failed') at.failed = Date.now();
    };
    return { at, onEvent };
  };

  beforeAll(() => {
    // The project's task reads this object at each run: tests adjust it in place.
    env.p.rollout.bake = { ...BAKE };
  });

  it('no traffic and a release answering 500: the window grows to maxDurationMs, then stops inconclusive, rolled back, exit 1', async () => {
    const before = currents();
    const t = timing();
    const r = await env.p.dpl(['rollout:v1.4.0'], { onEvent: t.onEvent });
    const seen = `hosts now on ${WEB.map((h) => `${h} ${version(h)}`).join(', ')}; warnings: ${warnings(r.events).join(' | ') || 'none'}`;
    expect(r.error, `no error (exit 0): ${seen}`).toBeInstanceOf(RolloutError);
    const err = r.error as RolloutError;
    expect(err.exitCode).toBe(1);
    expect(err.report.failure).toMatchObject({ check: 'inconclusive', batch: 1, hosts: ['web-0'] });
    expect(err.report.failure!.numbers).toMatchObject({ conclusive: 0, minConclusive: 2, requests: 0, minRequests: 5, maxDurationMs: 3000 });
    expect(err.message).toMatch(/failed at batch 1\/3 \(web-0\): the bake was inconclusive/);
    expect(err.message).toMatch(/0 of \d+ samples conclusive in \d+\.\d s \(need 2\)/);
    expect(err.message).toMatch(/every moved host was rolled back/);
    expect(err.report.rolledBack).toBe(true);
    // It sampled on past durationMs, up to maxDurationMs, and judged nothing.
    const samples = ofType(r.events, 'rollout.sample');
    expect(samples.length).toBeGreaterThanOrEqual(10);
    expect(samples.every((s) => s.batch === 1 && s.verdict === 'inconclusive')).toBe(true);
    expect(t.at.failed! - t.at.live[1]!).toBeGreaterThanOrEqual(3000);
    expect(logs(r.events).some((l) => /^batch 1: 0 of \d+ samples conclusive after 1(\.\d)? s \(need 2\); baking on, up to 3 s$/.test(l))).toBe(true);
    expect(ofType(r.events, 'rollout.bake').find((e) => e.state === 'extend')).toMatchObject({ batch: 1, conclusive: 0, minConclusive: 2, maxDurationMs: 3000 });
    expect(ofType(r.events, 'rollout.promote')).toEqual([]);

    expect(currents()).toEqual(before);
    for (const h of WEB) expect(version(h)).toBe('v1.0.0');
    expect(lastRecord('web-0')).toMatchObject({ status: 'failed', tag: 'v1.4.0' });
    expect(await env.hx.admin()).toEqual(Object.fromEntries(WEB.map((h) => [h, 'ready'])));
  });

  it('a trickle of traffic: inconclusive samples add up past durationMs until the 500s are judged', async () => {
    // ~16 requests/s through HAProxy, about a quarter to the canary: ~1 per 250 ms
    // sample, 5 needed, so no sample alone is conclusive; the window must grow.
    let stop = false;
    const trickle = (async () => {
      while (!stop) {
        await new Promise<void>((res) => {
          const req = request({ host: '127.0.0.1', port: env.hx.port, path: '/', agent: false }, (rsp) => rsp.resume().on('end', res).on('error', res));
          req.on('error', () => res());
          req.end();
        });
        await new Promise((res) => setTimeout(res, 60));
      }
    })();
    env.p.rollout.bake = { ...BAKE, maxDurationMs: 8000 };
    let r;
    try {
      r = await env.p.dpl(['rollout:v1.4.0']);
    } finally {
      stop = true;
      await trickle;
      env.p.rollout.bake = { ...BAKE };
    }
    const err = r.error as RolloutError;
    expect(err).toBeInstanceOf(RolloutError);
    expect(err.report.failure).toMatchObject({ check: 'error-rate', batch: 1, hosts: ['web-0'] });
    const samples = ofType(r.events, 'rollout.sample');
    expect(samples.filter((s) => s.verdict === 'fail')).toHaveLength(2);
    expect(samples.some((s) => s.verdict === 'inconclusive' && s.newRequests > 0)).toBe(true);
    expect(samples.find((s) => s.verdict === 'fail')!.newRequests).toBeGreaterThanOrEqual(5);
    expect(err.report.rolledBack).toBe(true);
    for (const h of WEB) expect(version(h)).toBe('v1.0.0');
  });

  it("no traffic with rollout.inconclusive: 'promote': promoted on every host, with a warning saying so", async () => {
    (env.p.rollout as Record<string, unknown>).inconclusive = 'promote';
    let r;
    try {
      r = await env.p.dpl(['rollout:v1.4.0']);
    } finally {
      delete (env.p.rollout as Record<string, unknown>).inconclusive;
    }
    expect(r.error, r.error?.message).toBeUndefined();
    expect(ofType(r.events, 'rollout.promote').map((e) => [e.batch, e.conclusive])).toEqual([[1, 0], [2, 0], [3, 0]]);
    const warned = warnings(r.events).filter((m) => m.includes('promoting without evidence'));
    expect(warned).toHaveLength(3);
    expect(warned[0]).toMatch(/^batch 1: promoting without evidence: 0 of \d+ samples conclusive in \d+\.\d s \(need 2\); rollout\.inconclusive is 'promote'/);
    for (const h of WEB) expect(version(h)).toBe('v1.4.0');
  });

  it('no traffic with --no-rollback: the canary is held out of rotation for inspection, exit 1', async () => {
    const before = currents();
    const r = await env.p.dpl(['rollout:v1.1.0'], { flags: { noRollback: true } });
    const err = r.error as RolloutError;
    expect(err).toBeInstanceOf(RolloutError);
    expect(err.exitCode).toBe(1);
    expect(err.report.failure).toMatchObject({ check: 'inconclusive', batch: 1, hosts: ['web-0'] });
    expect(err.report.rolledBack).toBe(false);
    expect(err.message).toMatch(/nothing was rolled back/);
    expect(version('web-0')).toBe('v1.1.0');
    for (const h of ['web-1', 'web-2', 'web-3']) expect(current(h)).toBe(before[h]);
    expect((await env.hx.admin())['web-0']).toBe('drain');
    expect(err.report.hosts.find((h) => h.host === 'web-0')).toMatchObject({ phase: 'left' });
    await env.hx.command('set server app/web-0 state ready');
  });
});
