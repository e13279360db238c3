// A rolling restart: the live release restarted batch by batch with no deploy (Kamal's
// `boot.limit`). The rollout's pieces, in the rollout's order per batch: out of rotation
// (lb.ts), the release's restart step (services, then the restart hook), each node's
// health check (health.ts) and the LB's own, back into rotation. Under the deploy lock,
// so a restart never races a deploy. A failed batch stops the run; its sick hosts stay
// out of rotation. Ctrl-C takes effect between batches (or puts a half-done batch back).
import type { Context } from '../core/context-types.js';
import type { Host } from '../core/host.js';
import { DplError, ExitCode, UsageError } from '../core/errors.js';
import { strategyOf, type HostRelease, type ReleaseConfig } from '../deploy/config.js';
import { targetsOf, type Targets } from '../deploy/targets.js';
import { acquireLocks, newLockInfo, releaseLocks } from '../deploy/lock.js';
import { refOfRelease, type HostState } from '../deploy/history.js';
import { errorText } from '../deploy/remote.js';
import { restartAll } from '../pipeline/steps.js';
import type { ProxyConfig } from '../proxy/config.js';
import { resolveRollout, type ResolvedRollout, type RolloutConfig } from './config.js';
import { batchesOf } from './plan.js';
import { plannedCapacityProblems } from './rotation.js';
import { RolloutLb } from './lb.js';
import { checkHealthAll, type HealthResult } from './health.js';
import { tell } from './events.js';
import { hostList } from './session.js';
import { stoppedText, type RestartStop } from './rolling-restart-text.js';

export interface RollingRestartOptions {
  /** The load balancers; without them the batches are not taken out of rotation (health checks only). */
  proxy?: ProxyConfig;
  /** Its `plan` and `health` are used; the bake is not (a restart ships no new code to judge). */
  rollout?: RolloutConfig;
  /** The CLI's `plan=` list; overrides the config's plan. */
  plan?: readonly string[] | string;
}

export interface RollingRestartResult {
  ok: true;
  batches: string[][];
  durationMs: number;
}

interface Run {
  c: Context;
  cfg: ResolvedRollout;
  batches: Host[][];
  lb?: RolloutLb;
  t: Targets;
  rels: Map<string, HostRelease>;
  drainMs: number;
  /** Date.now() at the start (the end event's duration). */
  started: number;
}

export async function rollingRestart(c: Context, config: ReleaseConfig, o: RollingRestartOptions = {}): Promise<RollingRestartResult> {
  const started = Date.now();
  const t = targetsOf(c, config, 'restart');
  const cfg = resolveRollout(o.rollout, c.environment?.name, o.plan);
  const batches = batchesOf(t.hosts, cfg.plan);
  const names = batches.map((b) => b.map((h) => h.name));
  tell(c, 'rollout.plan', { kind: 'restart', batches: names, shares: names.map(() => null), dryRun: c.session.flags.dryRun });
  if (c.session.flags.dryRun) return { ok: true, batches: names, durationMs: 0 };
  const lb = o.proxy ? await RolloutLb.open(c, o.proxy, t.hosts) : undefined;
  if (!lb) tell(c, 'rollout.no-lb', { kind: 'restart' });
  if (lb) {
    const problems = plannedCapacityProblems(lb.views0, batches.map((b) => lb.keysOf(b)));
    if (problems.length) {
      throw new UsageError(`restart plan ${cfg.plan.join(';')} would leave a backend with no live server:\n  - ${problems.join('\n  - ')}`, {
        code: 'config.invalid',
        hint: 'use smaller steps (e.g. plan=1;25%;50%;75%;100%), or bring more servers into rotation first (`proxy.status`)',
      });
    }
  }
  const info = newLockInfo(`${c.taskName} rolling restart`);
  const states = await acquireLocks(c, t.hosts, t.layouts, info, t.size);
  try {
    const run: Run = { c, cfg, batches, lb, t, rels: releasesOf(config, t, states), drainMs: cfg.drainTimeoutMs ?? o.proxy?.drainTimeoutMs ?? 60_000, started };
    for (let i = 0; i < batches.length; i++) await restartBatch(run, config, i);
  } finally {
    await releaseLocks(c, t.hosts, t.layouts, info.token, t.size);
  }
  const durationMs = Date.now() - started;
  tell(c, 'rollout.restart', { ok: true, batches: names, drained: [], durationMs });
  return { ok: true, batches: names, durationMs };
}

/** What each host runs now: the restart hook gets the live release, as after a deploy. */
function releasesOf(config: ReleaseConfig, t: Targets, states: Map<string, HostState>): Map<string, HostRelease> {
  const strategy = strategyOf(config);
  const none = t.hosts.filter((h) => !states.get(h.name)?.current && strategy !== 'pull');
  if (none.length) throw new DplError(`nothing to restart on ${hostList(none)}: no current release`, { code: 'rollback.impossible', hint: 'deploy first' });
  return new Map(
    t.hosts.map((host) => {
      const s = states.get(host.name)!;
      const l = t.layouts.get(host.name)!;
      const name = s.current ?? 'current';
      const path = strategy === 'pull' ? l.current : l.release(name);
      return [host.name, { host, name, path, deployPath: l.root, ref: refOfRelease(s, name), strategy }];
    }),
  );
}

async function restartBatch(r: Run, config: ReleaseConfig, i: number): Promise<void> {
  const { c, lb, batches } = r;
  const batch = batches[i]!;
  const n = i + 1;
  const of = batches.length;
  const release = [...new Set(batch.map((h) => r.rels.get(h.name)!.name))].join(', ');
  const stop = (s: Omit<RestartStop, 'batch' | 'batches'>): never => {
    tell(c, 'rollout.batch', { kind: 'restart', batch: n, of, hosts: batch.map((h) => h.name), state: 'failed', release, detail: s.reason });
    tell(c, 'rollout.restart', { ok: false, batches: batches.map((b) => b.map((h) => h.name)), drained: s.drained, failedBatch: n, durationMs: Date.now() - r.started });
    const text = stoppedText({ ...s, batch: n, batches });
    const e = new DplError(text.message, { code: s.interrupted ? 'interrupted' : 'restart.failed', hint: text.hint });
    if (s.interrupted) e.exitCode = ExitCode.interrupted;
    throw e;
  };
  if (c.session.signal.aborted) stop({ reason: 'interrupted (Ctrl-C) before the batch started', drained: [], interrupted: true });
  tell(c, 'rollout.batch', { kind: 'restart', batch: n, of, hosts: batch.map((h) => h.name), state: 'start', release });

  if (lb) {
    try {
      await lb.takeOut(c, batch, r.drainMs);
    } catch (e) {
      // Nothing restarted yet: every server of the batch is healthy, so all go back.
      const back = await putBack(r, batch);
      stop({ reason: `could not take it out of rotation: ${errorText(e)}`, drained: back.left, interrupted: c.session.signal.aborted });
    }
  }

  const restarted = await restartAll(c, config, batch.map((h) => r.rels.get(h.name)!), r.t.size, false);
  if (restarted.failed.length) {
    const bad = restarted.failed.map((f) => f.host);
    const ok = batch.filter((h) => !bad.includes(h.name));
    const back = await healthyBack(r, ok);
    stop({ reason: `the restart failed on ${restarted.failed.map((f) => `${f.host}: ${errorText(f.error)}`).join('; ')}`, drained: [...bad, ...back.left], interrupted: false });
  }
  if (c.session.signal.aborted) {
    // Restarted, but the node checks stop on Ctrl-C: HAProxy's own checks decide who goes back.
    const back = await putBack(r, batch, true);
    stop({ reason: 'interrupted (Ctrl-C) after the restart', drained: back.left, interrupted: true });
  }

  let health: HealthResult[];
  try {
    health = await checkHealthAll(c, batch, r.cfg.health, 'restart', (h) => lb?.addresses.get(h.name), r.t.size);
  } catch (e) {
    const back = await putBack(r, batch, true);
    return stop({ reason: `health checks stopped: ${errorText(e)}`, drained: back.left, interrupted: c.session.signal.aborted });
  }
  const sick = health.filter((h) => !h.ok);
  const well = batch.filter((h) => !sick.some((s) => s.host === h.name));
  if (sick.length) {
    const back = await healthyBack(r, well);
    const lines = sick.map((s) => `${s.host}: ${s.target} → ${s.detail} (${s.attempts} attempts in ${(s.elapsedMs / 1000).toFixed(1)} s)`);
    stop({ reason: `health check failed: no ${r.cfg.health.passes} good answers in a row within ${r.cfg.health.giveUpMs / 1000} s:\n${lines.join('\n')}`, drained: [...sick.map((s) => s.host), ...back.left], sick: sick.map((s) => s.host), interrupted: false });
  }
  const back = await healthyBack(r, batch);
  if (back.left.length) stop({ reason: `the load balancer does not see ${back.left.join(', ')} healthy: ${back.why.join('; ')}`, drained: back.left, interrupted: c.session.signal.aborted });
  tell(c, 'rollout.batch', { kind: 'restart', batch: n, of, hosts: batch.map((h) => h.name), state: 'live', release, rotation: !!lb });
}

/** Back into rotation once the LB's own check agrees, one host at a time, so one sick host keeps only itself out. */
async function healthyBack(r: Run, hosts: Host[]): Promise<{ left: string[]; why: string[] }> {
  if (!r.lb || !hosts.length) return { left: [], why: [] };
  const left: string[] = [];
  const why: string[] = [];
  const ok: Host[] = [];
  for (const h of hosts) {
    try {
      await r.lb.verify(r.c, [h]);
      ok.push(h);
    } catch (e) {
      left.push(h.name);
      why.push(`${h.name}: ${errorText(e)}`);
    }
  }
  const back = await putBack(r, ok);
  return { left: [...left, ...back.left], why };
}

/** Put hosts back without a node check (nothing restarted, or Ctrl-C); with `upOnly`, only those the LB sees up. */
async function putBack(r: Run, hosts: Host[], upOnly = false): Promise<{ left: string[] }> {
  if (!r.lb || !hosts.length) return { left: [] };
  let go = hosts;
  try {
    if (upOnly) {
      const down = new Set((await r.lb.views()).filter((v) => v.health === 'down').map((v) => v.key));
      go = hosts.filter((h) => !r.lb!.keysOf([h]).some((k) => down.has(k)));
    }
    await r.lb.putBack(r.c, go);
  } catch (e) {
    tell(r.c, 'rollout.problem', { action: 'put-back', hosts: go.map((h) => h.name), error: errorText(e) });
    return { left: hosts.map((h) => h.name) };
  }
  return { left: hosts.filter((h) => !go.includes(h)).map((h) => h.name) };
}
