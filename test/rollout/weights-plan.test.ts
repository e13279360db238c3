// Weighted canary, pure parts: the plan syntax ("10%w") and the weights that give the
// canary its share of a backend.
import { describe, expect, it } from 'vitest';
import { parsePlan, planBatches, planSteps, weightedStep } from '../../src/rollout/plan.js';
import { canaryWeights, refuseWeighted, type WeightRow } from '../../src/rollout/weights.js';
import { UsageError } from '../../src/core/errors.js';

describe('plan steps "N%w"', () => {
  it('is one more host at N% of the traffic; the other steps stay cumulative', () => {
    expect(planBatches('10%w;50%;100%', 4)).toEqual([{ hosts: [0], share: 10 }, { hosts: [1] }, { hosts: [2, 3] }]);
    expect(planBatches(['5%w', '100%'], 3)).toEqual([{ hosts: [0], share: 5 }, { hosts: [1, 2] }]);
    expect(planBatches(['1', '2.5%w', '100%'], 5)).toEqual([{ hosts: [0] }, { hosts: [1], share: 2.5 }, { hosts: [2, 3, 4] }]);
    expect(parsePlan('10%W;100%', 2)).toEqual([[0], [1]]);
    // Every host already done: the weighted step adds nobody and is skipped.
    expect(planBatches(['100%', '10%w', '100%'], 2)).toEqual([{ hosts: [0, 1] }]);
    expect(weightedStep(['1', '5%W', '100%'])).toBe('5%W');
    expect(weightedStep([1, '50%', '100%'])).toBeUndefined();
  });

  it('refuses a bad share with a usage error that names the step', () => {
    for (const bad of ['0%w', '100%w', '150%w', '-5%w', 'abc%w', '%w', '1e1%w']) {
      const e = (() => {
        try {
          planSteps([bad, '100%']);
        } catch (err) {
          return err as UsageError;
        }
      })();
      expect(e, bad).toBeInstanceOf(UsageError);
      expect(e!.exitCode).toBe(2);
      expect(e!.message).toBe(`rollout plan step ${JSON.stringify(bad)} is a weighted canary: its share of the traffic must be a number above 0 and below 100 (\`10%w\`)`);
    }
  });

  it('refuses a plan that ends with a weighted step', () => {
    expect(() => planSteps('1;10%w')).toThrow(/rollout plan ends with the weighted step "10%w": a weighted step is one host and does not repeat/);
    expect(() => planSteps(['10%w'])).toThrow(UsageError);
  });

  it('refuses weighted steps without HAProxy, before anything changes', () => {
    expect(() => refuseWeighted(undefined, '"10%w"')).toThrow(/"10%w" is a weighted canary, but this rollout has no proxy config/);
    expect(() => refuseWeighted({ lb: 'lb', backends: ['app'], driver: 'nginx' } as never, '"10%w"')).toThrow(/needs HAProxy: nginx has no runtime server weights/);
    expect(() => refuseWeighted({ lb: 'lb', backends: ['app'] } as never, '"10%w"')).not.toThrow();
  });
});

const row = (server: string, weight: number, live = true, backend = 'app'): WeightRow => ({ backend, server, weight, live });
const share = (w: Map<string, number>, rows: WeightRow[], canary: string[], backend = 'app') => {
  const mine = rows.filter((r) => r.backend === backend);
  const wOf = (r: WeightRow) => w.get(`${r.backend}/${r.server}`) ?? r.weight;
  const c = mine.filter((r) => canary.includes(`${r.backend}/${r.server}`)).reduce((s, r) => s + wOf(r), 0);
  const o = mine.filter((r) => !canary.includes(`${r.backend}/${r.server}`) && r.live).reduce((s, r) => s + wOf(r), 0);
  return c / (c + o);
};

describe('canaryWeights', () => {
  it('all weight 1, 10% of 4 servers: the others go to 3, the canary stays 1', () => {
    const rows = [row('a', 1), row('b', 1), row('c', 1), row('d', 1)];
    const p = canaryWeights(rows, new Set(['app/a']), 10);
    expect(p.weights).toEqual(new Map([['app/b', 3], ['app/c', 3], ['app/d', 3]]));
    expect(p.shares.get('app')).toBeCloseTo(0.1, 6);
  });

  it('uses the weights HAProxy has, and only the live ones share the traffic', () => {
    const rows = [row('a', 100), row('b', 100), row('c', 50, false)];
    const p = canaryWeights(rows, new Set(['app/a']), 20);
    expect(p.weights).toEqual(new Map([['app/a', 25]]));
    expect(p.shares.get('app')).toBeCloseTo(0.2, 6);
    expect(share(p.weights, rows, ['app/a'])).toBeCloseTo(0.2, 6);
  });

  it('lands near the target across shares and fleets, within 0..256', () => {
    for (const fleet of [[1, 1], [1, 1, 1], [10, 20, 30], [256, 256, 256], [3]]) {
      for (const pct of [1, 5, 10, 25, 33, 50, 75, 90]) {
        const rows = [row('canary', 1), ...fleet.map((w, i) => row(`s${i}`, w))];
        const p = canaryWeights(rows, new Set(['app/canary']), pct);
        for (const w of p.weights.values()) expect(w >= 1 && w <= 256 && Number.isInteger(w)).toBe(true);
        const got = share(p.weights, rows, ['app/canary']);
        expect(got).toBeCloseTo(p.shares.get('app')!, 9);
        // Near enough, or short only because the canary is at the top weight (256) already.
        const tol = pct < 5 ? 0.01 : 0.02;
        if (Math.abs(got - pct / 100) > tol) expect([got < pct / 100, p.weights.get('app/canary')], `${fleet} ${pct}% → ${got}`).toEqual([true, 256]);
      }
    }
  });

  it('several canary servers split the share; other backends are left alone', () => {
    const rows = [row('a', 1), row('b', 1), row('c', 1), row('d', 1), row('x', 5, true, 'api'), row('y', 5, true, 'api')];
    const p = canaryWeights(rows, new Set(['app/a', 'app/b']), 20);
    expect(share(p.weights, rows, ['app/a', 'app/b'])).toBeCloseTo(0.2, 6);
    expect([...p.weights.keys()].some((k) => k.startsWith('api/'))).toBe(false);
  });

  it('refuses a backend with nothing live besides the canary', () => {
    expect(() => canaryWeights([row('a', 1), row('b', 1, false)], new Set(['app/a']), 10)).toThrow(/backend app has no live server with a weight above 0 besides the canary/);
  });
});
