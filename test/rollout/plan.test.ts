// Batch planning and rollout config resolution: pure, no hosts.
import { describe, expect, it } from 'vitest';
import { batchesOf, describePlan, parsePlan, planSteps } from '../../src/rollout/plan.js';
import { needsConfirmation, resolveRollout } from '../../src/rollout/config.js';
import { UsageError } from '../../src/core/errors.js';

describe('parsePlan', () => {
  it('default canary → half → rest on 6 hosts', () => {
    expect(parsePlan([1, '50%', '100%'], 6)).toEqual([[0], [1, 2], [3, 4, 5]]);
  });

  it('takes the CLI list form and a ;-string alike', () => {
    expect(parsePlan(['1', '50%', '100%'], 4)).toEqual([[0], [1], [2, 3]]);
    expect(parsePlan('1;50%;100%', 4)).toEqual(parsePlan(['1', '50%', '100%'], 4));
    expect(parsePlan('1, 2', 3)).toEqual([[0], [1], [2]]);
  });

  it('repeats the last step as a batch size until every host is done', () => {
    expect(parsePlan([1, '25%'], 8)).toEqual([[0], [1], [2, 3], [4, 5], [6, 7]]);
    expect(parsePlan([2], 5)).toEqual([[0, 1], [2, 3], [4]]);
    expect(parsePlan(['1', '2'], 6).map((b) => b.length)).toEqual([1, 1, 2, 2]);
  });

  it('rounds percentages up, skips steps that add nobody, clamps counts', () => {
    expect(parsePlan([1, '10%', '50%'], 5)).toEqual([[0], [1, 2], [3, 4]]);
    expect(parsePlan(['1%'], 3)).toEqual([[0], [1], [2]]);
    expect(parsePlan([10], 3)).toEqual([[0, 1, 2]]);
    expect(parsePlan([1, '50%', '100%'], 1)).toEqual([[0]]);
    expect(parsePlan([1, '50%', '100%'], 2)).toEqual([[0], [1]]);
    expect(parsePlan([1], 0)).toEqual([]);
  });

  it('refuses nonsense with a usage error (exit 2)', () => {
    for (const bad of [[], '', [0], ['0'], ['-1'], ['0%'], ['150%'], ['abc'], [1.5], ['1.5']]) {
      expect(() => parsePlan(bad as never, 4), JSON.stringify(bad)).toThrow(UsageError);
    }
    expect(() => planSteps(['half'])).toThrow(/neither a host count .* nor a percentage/);
  });

  it('batchesOf keeps host order; describePlan shows the cumulative marks', () => {
    const hosts = ['a', 'b', 'c', 'd', 'e', 'f'];
    const b = batchesOf(hosts, [1, '50%', '100%']);
    expect(b).toEqual([['a'], ['b', 'c'], ['d', 'e', 'f']]);
    expect(describePlan(b)).toBe('1 → 3 → 6 of 6 hosts');
  });
});

describe('resolveRollout', () => {
  it('fills the defaults', () => {
    const r = resolveRollout();
    expect(r.plan).toEqual([1, '50%', '100%']);
    expect(r.health).toMatchObject({ path: '/health', passes: 2, intervalMs: 1000, timeoutMs: 5000, giveUpMs: 60_000, via: 'host', hostVar: 'healthAddress' });
    expect(r.bake).toEqual({ durationMs: 60_000, sampleMs: 5000, minRequests: 20, maxErrorRate: 0.01, relativeFactor: 2, failedSamples: 2, maxDurationMs: 180_000, minConclusive: 2 });
    expect(r.inconclusive).toBe('fail');
    expect(r.confirm).toEqual(['prod', 'production']);
  });

  it('environment overrides win over the base, the CLI plan over both', () => {
    const config = {
      plan: [1, '100%'],
      bake: { durationMs: 30_000, minRequests: 50 },
      environments: { staging: { plan: '50%', bake: { durationMs: 5000 }, confirm: false } },
    };
    const staging = resolveRollout(config, 'staging');
    expect(staging.plan).toEqual(['50%']);
    expect(staging.bake).toMatchObject({ durationMs: 5000, minRequests: 50 });
    expect(staging.confirm).toBe(false);
    expect(resolveRollout(config, 'prod').plan).toEqual([1, '100%']);
    expect(resolveRollout(config, 'staging', ['2', '100%']).plan).toEqual(['2', '100%']);
    expect(resolveRollout(config, 'staging', []).plan).toEqual(['50%']);
  });

  it('asks for confirmation in prod by default, never when told not to', () => {
    expect(needsConfirmation(resolveRollout({}, 'prod'))).toBe(true);
    expect(needsConfirmation(resolveRollout({}, 'staging'))).toBe(false);
    expect(needsConfirmation(resolveRollout({}))).toBe(false);
    expect(needsConfirmation(resolveRollout({ confirm: true }))).toBe(true);
    expect(needsConfirmation(resolveRollout({ environments: { prod: { confirm: false } } }, 'prod'))).toBe(false);
    expect(needsConfirmation(resolveRollout({ confirm: ['live'] }, 'live'))).toBe(true);
  });

  it('rejects bad settings at once', () => {
    expect(() => resolveRollout({ health: { path: 'health' } })).toThrow(/must start with/);
    expect(() => resolveRollout({ health: { passes: 0 } })).toThrow(/passes/);
    expect(() => resolveRollout({ bake: { maxErrorRate: 5 } })).toThrow(/fraction/);
    expect(() => resolveRollout({ health: { port: 70000 } })).toThrow(/not a port/);
    expect(() => resolveRollout({ plan: ['x'] })).toThrow(UsageError);
  });
});
