// When a bake ends, and what counts as conclusive (#16 fault 2): the pure planner
// (bakeStep, nextSampleDelay, BakeJudge's counts) and the config that drives it.
import { describe, expect, it } from 'vitest';
import { BakeJudge, bakeStep, nextSampleDelay, type BakeStep, type ServerCounters } from '../../src/rollout/error-rate.js';
import { resolveRollout } from '../../src/rollout/config.js';
import { renderFailure, type RolloutReport } from '../../src/rollout/report.js';

const limits = { minRequests: 20, maxErrorRate: 0.05, relativeFactor: 2, failedSamples: 2 };
const w = { durationMs: 1000, maxDurationMs: 3000, minConclusive: 2 };
const snap = (fresh: number, errors = 0, old = fresh * 3) =>
  new Map<string, ServerCounters>([
    ['app/new', { requests: fresh, errors, down: false }],
    ['app/old', { requests: old, errors: 0, down: false }],
  ]);

describe('bakeStep', () => {
  it('samples for durationMs whatever the evidence, then ends with enough conclusive samples', () => {
    expect(bakeStep(0, 0, w)).toBe('sample');
    expect(bakeStep(999, 5, w)).toBe('sample');
    expect(bakeStep(1000, 2, w)).toBe('done');
    expect(bakeStep(1000, 3, w)).toBe('done');
  });

  it('too few conclusive samples: samples on up to maxDurationMs, then gives up', () => {
    expect(bakeStep(1000, 1, w)).toBe('extend');
    expect(bakeStep(2999, 0, w)).toBe('extend');
    expect(bakeStep(2500, 2, w)).toBe('done');
    expect(bakeStep(3000, 1, w)).toBe('inconclusive');
    expect(bakeStep(9000, 0, w)).toBe('inconclusive');
    // maxDurationMs = durationMs: no extension at all.
    expect(bakeStep(1000, 0, { ...w, maxDurationMs: 1000 })).toBe('inconclusive');
  });

  it('the next sample never lands past the deadline that applies', () => {
    expect(nextSampleDelay(0, 250, 'sample', w)).toBe(250);
    expect(nextSampleDelay(900, 250, 'sample', w)).toBe(100);
    expect(nextSampleDelay(1000, 250, 'extend', w)).toBe(250);
    expect(nextSampleDelay(2900, 250, 'extend', w)).toBe(100);
  });
});

describe('BakeJudge counts conclusive samples', () => {
  it('pass and fail are conclusive, too few requests is not', () => {
    const j = new BakeJudge(['app/new'], ['app/old'], limits, snap(0));
    j.observe(snap(5));
    expect([j.samples, j.conclusive]).toEqual([1, 0]);
    j.observe(snap(30)); // 30 requests since the start: pass
    j.observe(snap(60, 20)); // 30 more, 20 errors: fail
    expect([j.samples, j.conclusive, j.failures]).toEqual([3, 2, 1]);
  });

  it('a node DOWN is conclusive; a counter reset is not', () => {
    const j = new BakeJudge(['app/new'], ['app/old'], limits, snap(100));
    j.observe(snap(3));
    expect(j.conclusive).toBe(0);
    const down = new Map(snap(10)).set('app/new', { requests: 10, errors: 0, down: true });
    expect(j.observe(down).rollback).toBe(true);
    expect(j.conclusive).toBe(1);
  });
});

/** A bake driven the way bake.ts drives it, with a fixed number of new requests per sample. */
function simulate(perSample: number, errorsPerSample: number, sampleMs = 250): { end: BakeStep; samples: number; elapsed: number; rollback: boolean } {
  const j = new BakeJudge(['app/new'], ['app/old'], limits, snap(0));
  let elapsed = 0;
  let step: BakeStep = bakeStep(0, 0, w);
  let i = 0;
  while (step === 'sample' || step === 'extend') {
    elapsed += nextSampleDelay(elapsed, sampleMs, step, w);
    i++;
    if (j.observe(snap(i * perSample, i * errorsPerSample)).rollback) return { end: step, samples: i, elapsed, rollback: true };
    step = bakeStep(elapsed, j.conclusive, w);
  }
  return { end: step, samples: i, elapsed, rollback: false };
}

describe('a bake, end to end in time', () => {
  it('no traffic: 12 inconclusive samples, then inconclusive at maxDurationMs', () => {
    expect(simulate(0, 0)).toEqual({ end: 'inconclusive', samples: 12, elapsed: 3000, rollback: false });
  });

  it('busy and clean: done at durationMs', () => {
    expect(simulate(50, 0)).toEqual({ end: 'done', samples: 4, elapsed: 1000, rollback: false });
  });

  it('a trickle (8 per sample, 20 needed): windows add up past durationMs until 2 are conclusive', () => {
    expect(simulate(8, 0)).toMatchObject({ end: 'done', rollback: false, elapsed: 1500 });
  });

  it('a trickle of errors is caught once the windows add up', () => {
    expect(simulate(8, 8)).toMatchObject({ rollback: true, elapsed: 1500 });
  });

  it('a trickle too thin for maxDurationMs stays inconclusive', () => {
    expect(simulate(1, 1)).toMatchObject({ end: 'inconclusive', rollback: false });
  });
});

describe('resolveRollout: the bake window and the inconclusive policy', () => {
  it('defaults: maxDurationMs 3 × durationMs, minConclusive 2, inconclusive fail', () => {
    const r = resolveRollout();
    expect(r.bake).toMatchObject({ durationMs: 60_000, maxDurationMs: 180_000, minConclusive: 2 });
    expect(r.inconclusive).toBe('fail');
    // Derived from the environment's durationMs, not the default one.
    const s = resolveRollout({ environments: { staging: { bake: { durationMs: 10_000 }, inconclusive: 'promote' } } }, 'staging');
    expect(s.bake.maxDurationMs).toBe(30_000);
    expect(s.inconclusive).toBe('promote');
  });

  it('refuses a window that could never be conclusive, and unknown policies', () => {
    expect(() => resolveRollout({ bake: { durationMs: 10_000, maxDurationMs: 5000 } })).toThrow(/bake\.maxDurationMs \(5000\) is shorter than bake\.durationMs \(10000\)/);
    expect(() => resolveRollout({ bake: { durationMs: 1000, sampleMs: 1000, maxDurationMs: 1000, minConclusive: 2 } })).toThrow(
      /bake\.minConclusive is 2, but bake\.maxDurationMs 1000 ms allows only 1 samples of bake\.sampleMs 1000 ms/,
    );
    expect(() => resolveRollout({ bake: { minConclusive: 0 } })).toThrow(/bake\.minConclusive must be a whole number of at least 1/);
    expect(() => resolveRollout({ inconclusive: 'maybe' as 'fail' })).toThrow(/inconclusive is "fail" or "promote", not "maybe"/);
    // durationMs 0 skips the bake: nothing to check.
    expect(() => resolveRollout({ bake: { durationMs: 0 } })).not.toThrow();
  });
});

it('the report names the inconclusive check', () => {
  const r: RolloutReport = {
    ok: false,
    release: 'R',
    ref: 'v1',
    sha: 'abc',
    batches: [{ batch: 1, hosts: ['web-0'], state: 'failed', samples: 12, conclusive: 0, failed: 0 }],
    hosts: [{ host: 'web-0', batch: 1, servers: ['app/web-0'], before: 'A', current: 'A', phase: 'rolled-back' }],
    failure: { check: 'inconclusive', batch: 1, hosts: ['web-0'], message: 'only 0 of 12 samples conclusive' },
    rolledBack: true,
    durationMs: 1,
  };
  expect(renderFailure(r)).toMatch(/^rollout of v1 as R failed at batch 1\/1 \(web-0\): the bake was inconclusive \(too little traffic to judge the release\)\n  only 0 of 12/);
});
