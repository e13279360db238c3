// Canary → half → rest rollouts (issue #7). Cheap to import: the machinery behind
// `rollout()` and `rolloutRelease()` loads when one of them is called, so a task
// factory can import this module at deployfile load time.
import type { Context } from '../core/context-types.js';
import type { ReleaseConfig } from '../deploy/config.js';
import type { RolloutOptions } from './session.js';
import type { RolloutReport } from './report.js';
import type { ProxyConfig } from '../proxy/config.js';
import type { RolloutConfig } from './config.js';

export { parsePlan, batchesOf, planSteps, describePlan, DEFAULT_PLAN, type PlanStep } from './plan.js';
export { resolveRollout, needsConfirmation, DEFAULT_CONFIRM } from './config.js';
export type { RolloutConfig, RolloutSettings, RolloutHealthConfig, BakeConfig, ResolvedRollout, InconclusivePolicy } from './config.js';
export { judgeWindow, BakeJudge, countersOf, windowOf, type Sample, type Snapshot, type BakeLimits, type Verdict } from './error-rate.js';
export { prometheus, type PrometheusSourceConfig } from './sources/prometheus.js';
export { haproxyCounters } from './sources/haproxy.js';
export { BakeSourceError, type BakeSource, type BakeReader, type BakeBatch } from './sources/source.js';
export { RolloutError, renderFailure, renderHosts } from './report.js';
export type { RolloutReport, HostRecord, HostPhase, BatchRecord, FailedCheck, RolloutFailure } from './report.js';
export type { RolloutOptions } from './session.js';
export type { RolloutEvent } from './events.js';
export type { RollingRestartOptions, RollingRestartResult } from './rolling-restart.js';

/** Roll a resolved release out to `opts.hosts` (default `c.targets.hosts`) batch by batch; throws RolloutError with the report on failure. */
export async function rollout(c: Context, opts: RolloutOptions): Promise<RolloutReport> {
  const m = await import('./rollout.js');
  return m.rollout(c, opts);
}

export interface RolloutReleaseOptions {
  /** Ref to deploy (default: the release config's `defaultRef`, else `stable`). */
  ref?: string;
  /** The CLI's `plan=` list; overrides the config's plan. */
  plan?: readonly string[] | string;
  /** The load balancers; without them: no drain and no bake, health checks only. */
  proxy?: ProxyConfig;
  rollout?: RolloutConfig;
}

/**
 * What the deploy task calls: resolve `ref` (and say what it is), find where the
 * hosts fetch from, then `rollout()` on `c.targets.hosts` with the deploy, proxy and rollout configs.
 */
export async function rolloutRelease(c: Context, release: ReleaseConfig, o: RolloutReleaseOptions = {}): Promise<RolloutReport> {
  const [{ targetsOf, repoUrlOf }, { resolveForDeploy }] = await Promise.all([import('../deploy/targets.js'), import('../deploy/deploy.js')]);
  const { strategyOf } = await import('../deploy/config.js');
  const t = targetsOf(c, release, 'rollout');
  const resolved = await resolveForDeploy(c, release, o.ref ?? release.defaultRef ?? 'stable');
  const source = strategyOf(release) === 'git' ? { repoUrl: await repoUrlOf(c, release) } : {};
  const m = await import('./rollout.js');
  return m.rollout(c, { hosts: t.hosts, resolved, source, release, proxy: o.proxy, rollout: o.rollout, plan: o.plan });
}

/**
 * Restart the live release batch by batch, no deploy: out of rotation, restart (services, then
 * the restart hook), health check, back in rotation; under the deploy lock (rolling-restart.ts).
 */
export async function rollingRestart(c: Context, release: ReleaseConfig, o: import('./rolling-restart.js').RollingRestartOptions = {}): Promise<import('./rolling-restart.js').RollingRestartResult> {
  const m = await import('./rolling-restart.js');
  return m.rollingRestart(c, release, o);
}
