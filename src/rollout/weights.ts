// Weighted canary: a batch that takes a share of the traffic (plan step "10%w") through
// HAProxy server weights instead of whole hosts. The weights are computed per LB and
// backend from the weights HAProxy has now (`get weight`), set with `set weight`, and
// set back to what they were on promotion, on a failure and on Ctrl-C.
import { UsageError } from '../core/errors.js';
import type { Context } from '../core/context-types.js';
import type { ProxyConfig } from '../proxy/config.js';
import type { LoadBalancerDriver, ServerRef } from '../proxy/driver.js';
import { HaproxyDriver } from '../proxy/haproxy-driver.js';
import { onEveryLb } from '../proxy/lbs.js';
import { proxyEvent } from '../proxy/events.js';
import { keyOf } from './rotation.js';

/** HAProxy weights are 0..256 and relative within a backend. */
const MAX_WEIGHT = 256;

export interface WeightRow extends ServerRef {
  weight: number;
  /** Taking traffic now (ready, not DOWN); only these share the traffic with the canary. */
  live: boolean;
}

export interface WeightPlan {
  /** `backend/server` → new weight, for the servers whose weight changes. */
  weights: Map<string, number>;
  /** backend → the canary's share of its traffic with those weights (0..1). */
  shares: Map<string, number>;
}

/**
 * Weights that give the canary servers ≈ `percent`% of each backend they are in. The
 * others keep their ratios but may be scaled up (all weight 1, 10%: the others go to 3,
 * the canary stays 1), since a weight cannot go below 1. Pure; throws on a backend with
 * no live server besides the canary.
 */
export function canaryWeights(rows: readonly WeightRow[], canary: ReadonlySet<string>, percent: number): WeightPlan {
  const weights = new Map<string, number>();
  const shares = new Map<string, number>();
  const target = percent / 100;
  for (const backend of [...new Set(rows.filter((r) => canary.has(keyOf(r))).map((r) => r.backend))]) {
    const mine = rows.filter((r) => r.backend === backend);
    const ours = mine.filter((r) => canary.has(keyOf(r)));
    const others = mine.filter((r) => !canary.has(keyOf(r)));
    const live = others.filter((r) => r.live).reduce((sum, r) => sum + r.weight, 0);
    if (live <= 0) throw new Error(`backend ${backend} has no live server with a weight above 0 besides the canary to share the traffic with`);
    const top = Math.max(1, ...others.map((r) => r.weight));
    let best = { scale: 1, weight: 1, error: Infinity, share: 0 };
    for (let scale = 1; scale * top <= MAX_WEIGHT; scale++) {
      const want = (target / (1 - target)) * ((scale * live) / ours.length);
      const weight = Math.min(MAX_WEIGHT, Math.max(1, Math.round(want)));
      const share = (weight * ours.length) / (weight * ours.length + scale * live);
      // Ties keep the smallest scale: fewer servers change.
      if (Math.abs(share - target) < best.error - 1e-12) best = { scale, weight, error: Math.abs(share - target), share };
    }
    for (const r of ours) if (r.weight !== best.weight) weights.set(keyOf(r), best.weight);
    if (best.scale > 1) for (const r of others) if (r.weight > 0) weights.set(keyOf(r), r.weight * best.scale);
    shares.set(backend, best.share);
  }
  return { weights, shares };
}

/** Before anything changes: weighted steps need HAProxy. */
export function refuseWeighted(proxy: ProxyConfig | undefined, step: string): void {
  if (!proxy) {
    throw new UsageError(`rollout plan step ${step} is a weighted canary, but this rollout has no proxy config: there are no server weights to set`, {
      code: 'config.invalid',
      hint: 'give the rollout an HAProxy proxy config (`proxy`), or use a host step (`plan=1;50%;100%`)',
    });
  }
  if ((proxy.driver ?? 'haproxy') !== 'haproxy') {
    throw new UsageError(`rollout plan step ${step} is a weighted canary, which needs HAProxy: ${proxy.driver} has no runtime server weights`, {
      code: 'config.invalid',
      hint: 'with nginx, use a host step (`plan=1;50%;100%`)',
    });
  }
}

type Saved = { driver: HaproxyDriver; original: (ServerRef & { weight: number })[] };

/** The weights one rollout changed, so they can be set back exactly once. */
export class WeightedCanary {
  private saved: Saved[] = [];

  constructor(private readonly drivers: readonly LoadBalancerDriver[]) {}

  /** Give the servers `keys` ≈ `percent`% of their backends' traffic, on every LB. */
  async apply(c: Context, keys: readonly string[], percent: number): Promise<void> {
    const canary = new Set(keys);
    await onEveryLb('rollout: weighting the canary', this.drivers.map((driver) => ({ driver })), async ({ driver }) => {
      if (!(driver instanceof HaproxyDriver)) throw new UsageError(`a weighted canary needs HAProxy; ${driver.lb.name} is ${driver.kind}`, { code: 'config.invalid' });
      const servers = (await driver.readState()).servers;
      const backends = new Set(servers.filter((s) => canary.has(keyOf(s))).map((s) => s.backend));
      const mine = servers.filter((s) => backends.has(s.backend));
      const now = await driver.weights(mine);
      const rows = mine.map((s) => ({ backend: s.backend, server: s.server, weight: now.get(keyOf(s))!, live: s.admin === 'ready' && s.health !== 'down' }));
      let plan: WeightPlan;
      try {
        plan = canaryWeights(rows, canary, percent);
      } catch (e) {
        throw new UsageError(`weighted canary on ${driver.lb.name}: ${(e as Error).message}`, { code: 'proxy.rotation', hint: 'bring more servers into rotation first (`proxy.status`)' });
      }
      const changes = [...plan.weights].map(([key, weight]) => ({ ...split(key), weight }));
      // Remembered before the change: a half-applied change is set back too.
      this.saved.push({ driver, original: changes.map((ch) => ({ backend: ch.backend, server: ch.server, weight: now.get(keyOf(ch))! })) });
      await driver.setWeights(changes);
      const shares = Object.fromEntries([...plan.shares].map(([b, s]) => [b, Math.round(s * 10_000) / 100]));
      const weights = changes.map((ch) => ({ ...ch, from: now.get(keyOf(ch))! }));
      proxyEvent(c, 'proxy.change', { lb: driver.lb.name, endpoint: driver.endpoint, action: 'weights', changes: [], weights, canary: [...canary], percent, shares });
    });
  }

  /** After a restore that failed: per LB, the runtime API commands that set the weights back. */
  byHand: Array<{ lb: string; commands: string }> = [];

  /** Set back every weight this rollout changed. False (and an error line with the commands to run by hand) when an LB refused. */
  async restore(c: Context): Promise<boolean> {
    const saved = this.saved;
    this.saved = [];
    this.byHand = [];
    let ok = true;
    for (const { driver, original } of saved) {
      if (!original.length) continue;
      try {
        await driver.setWeights(original);
        proxyEvent(c, 'proxy.change', { lb: driver.lb.name, endpoint: driver.endpoint, action: 'weights-restore', changes: [], weights: original });
      } catch (e) {
        ok = false;
        this.byHand.push({ lb: driver.lb.name, commands: original.map((o) => `set weight ${keyOf(o)} ${o.weight}`).join('; ') });
        // The error's words list the weights to set by hand (format/proxy.ts).
        const error = e instanceof Error ? e.message : String(e);
        proxyEvent(c, 'proxy.change', { lb: driver.lb.name, endpoint: driver.endpoint, action: 'weights-restore', changes: [], weights: original, error });
      }
    }
    return ok;
  }
}

function split(key: string): ServerRef {
  const i = key.indexOf('/');
  return { backend: key.slice(0, i), server: key.slice(i + 1) };
}
