// `rollout(c, opts)`: the release pipeline's canary flow. A release deployed batch by
// batch (canary → half → rest by default), each batch gated (gates.ts) before the
// next starts; any failed check rolls every moved host back and fails with a report.
// Here: the plan, the confirmation, the load balancers, and the report.
import type { Context } from '../core/context-types.js';
import type { Host } from '../core/host.js';
import { DplError, ExitCode, UsageError } from '../core/errors.js';
import { deployPathOf, poolSizeOf, strategyOf } from '../deploy/config.js';
import { layoutOf } from '../deploy/layout.js';
import { notifyFailure } from '../deploy/ends.js';
import { announce } from '../deploy/announce.js';
import { shortSha } from '../deploy/remote.js';
import { needsConfirmation, resolveRollout, type ResolvedRollout } from './config.js';
import { batchesOf, describePlan, planBatches, weightedStep } from './plan.js';
import { refuseWeighted } from './weights.js';
import { plannedCapacityProblems } from './rotation.js';
import { RolloutLb } from './lb.js';
import { tell } from './events.js';
import { canaryGates } from './gates.js';
import { describeFailure, RolloutError, type RolloutReport } from './report.js';
import { hostList, RolloutRun, type RolloutOptions } from './session.js';
import { runPipeline } from '../pipeline/pipeline.js';
import { PipelineStop } from '../pipeline/state.js';
import { canary } from '../pipeline/flow.js';
import { releaseDirectory } from '../pipeline/movers.js';
import { releaseCommand } from '../deploy/task-names.js';
import { watchApplied, type AppliedMigration } from '../deploy/migrations.js';

export async function rollout(c: Context, opts: RolloutOptions): Promise<RolloutReport> {
  const hosts = opts.hosts ?? [...c.targets.hosts];
  if (!hosts.length) throw new UsageError('rollout: no hosts to roll out to', { code: 'usage.hosts', hint: 'choose them with -H/-R or an environment task (`dpl prod deploy`)' });
  if (strategyOf(opts.release) === 'pull') {
    throw new UsageError('a rollout needs release directories; strategy pull deploys in place', { code: 'config.invalid', hint: 'use strategy git or upload' });
  }
  const cfg = resolveRollout(opts.rollout, c.environment?.name, opts.plan);
  const batches = batchesOf(hosts, cfg.plan);
  const shares = planBatches(cfg.plan, hosts.length).map((b) => b.share);
  const weighted = weightedStep(cfg.plan);
  if (weighted !== undefined) refuseWeighted(opts.proxy, JSON.stringify(weighted));
  const what = `${opts.resolved.tag ?? opts.resolved.ref} (${shortSha(opts.resolved.sha)})`;
  const names = batches.map((b) => b.map((h) => h.name));
  tell(c, 'rollout.plan', { kind: 'rollout', target: what, batches: names, shares: batches.map((_, i) => shares[i] ?? null), dryRun: c.session.flags.dryRun });
  if (c.session.flags.dryRun) return dryReport(opts, cfg, batches);
  await confirm(c, cfg, opts, hosts, `Roll out ${what} to ${hosts.length} host${hosts.length === 1 ? '' : 's'}${cfg.environment ? ` in ${cfg.environment}` : ''}, batches ${describePlan(batches)}?`);

  const lb = opts.proxy ? await RolloutLb.open(c, opts.proxy, hosts) : undefined;
  if (!lb) tell(c, 'rollout.no-lb', { kind: 'rollout', bakeSource: cfg.bake.source?.name });
  if (lb) {
    const problems = plannedCapacityProblems(lb.views0, batches.map((b) => lb.keysOf(b)));
    if (problems.length) {
      throw new UsageError(`rollout plan ${cfg.plan.join(';')} would leave a backend with no live server:\n  - ${problems.join('\n  - ')}`, {
        code: 'config.invalid',
        hint: 'use smaller steps (e.g. plan=1;25%;50%;75%;100%), or bring more servers into rotation first (`proxy.status`)',
      });
    }
  }

  const checked = cfg.bake.durationMs > 0 ? await cfg.bake.source?.check?.(c, hosts) : undefined;
  if (checked) tell(c, 'rollout.source', { source: cfg.bake.source!.name, ok: !checked.warn, message: checked.message });

  const size = poolSizeOf(opts.release, c);
  const layouts = new Map(hosts.map((h) => [h.name, layoutOf(deployPathOf(h, opts.release, c))]));
  const s = new RolloutRun(c, opts, cfg, batches, lb);
  const lockTarget = `${c.taskName}:${opts.resolved.ref} rollout (${opts.resolved.tag ?? shortSha(opts.resolved.sha)})`;
  let stop: PipelineStop | undefined;
  const applied = watchApplied(c);
  try {
    await runPipeline(c, { action: 'deploy', config: opts.release, hosts, layouts, size, flow: canary(batches, canaryGates(s)), mover: releaseDirectory, lockTarget, resolved: opts.resolved, source: opts.source, rotation: opts.proxy ? { proxy: opts.proxy, rollout: opts.rollout } : undefined });
  } catch (e) {
    if (!(e instanceof PipelineStop) || !s.run) throw e;
    stop = e;
  } finally {
    applied.stop();
    // A weighted batch's weights go back whatever happened (failure, Ctrl-C); restore() says so when it cannot.
    await lb?.weighted.restore(c);
  }
  return stop ? failed(s, stop, applied.list) : succeeded(s, hosts);
}

async function succeeded(s: RolloutRun, hosts: Host[]): Promise<RolloutReport> {
  const { c } = s;
  await fillRotation(s);
  const report = s.report(true);
  tell(c, 'rollout.end', { ok: true, release: s.name, hosts: hosts.length, batches: s.batches.length, durationMs: report.durationMs, report });
  return report;
}

async function failed(s: RolloutRun, stop: PipelineStop, migrations: AppliedMigration[]): Promise<never> {
  const { c } = s;
  const f = stop.failure;
  if (!stop.run) {
    // Stopped before the switch was decided (the pipeline removed what was prepared): nothing moved.
    const reason = describeFailure(f, s.batches.length);
    tell(c, 'rollout.batch', { kind: 'rollout', batch: f.batch, of: s.batches.length, hosts: f.hosts, state: 'failed', release: s.name, reason, detail: f.message });
    tell(c, 'rollout.rollback', { state: 'skipped', hosts: [], reason });
  }
  const hosts = s.batches.flat();
  const what = { release: s.name, ref: s.opts.resolved, hosts: hosts.map((h) => h.name) };
  if (stop.rolledBack === true) announce(c, 'rollback', `rolled back every moved host from ${s.name}`, what);
  await fillRotation(s);
  // A migration stays applied under the old code only where the hosts went back to it.
  const back = stop.rolledBack === true || stop.rolledBack === 'partial';
  const report = { ...s.report(false, f, stop.rolledBack), ...(migrations.length && back ? { migrations } : {}) };
  tell(c, 'rollout.end', { ok: false, release: s.name, hosts: hosts.length, batches: s.batches.length, durationMs: report.durationMs, report });
  const error = new RolloutError(report, hintFor(s, report));
  if (f.check === 'interrupted') error.exitCode = ExitCode.interrupted;
  await notifyFailure(c, s.release, { release: s.name, ref: s.opts.resolved, hosts, strategy: strategyOf(s.release) }, error);
  throw error;
}

/** The LB column of the report, read at the end (best effort). */
async function fillRotation(s: RolloutRun): Promise<void> {
  if (!s.lb || s.c.session.signal.aborted) return;
  try {
    const views = await s.lb.views();
    for (const r of s.run.records.values()) {
      const states = [...new Set(views.filter((v) => r.servers.includes(v.key)).map((v) => v.admin + (v.health === 'down' ? ' (DOWN)' : '')))];
      r.rotation = states.join('/') || undefined;
    }
  } catch {
    /* the report says '-' */
  }
}

function hintFor(s: RolloutRun, r: RolloutReport): string {
  const moved = s.moved.map((h) => h.name);
  const cmd = releaseCommand(s.c);
  if (r.failure?.check === 'inconclusive' && r.rolledBack === true) {
    return "send traffic through the load balancer during the bake (or lower bake.minRequests), then roll out again; `inconclusive: 'promote'` promotes without evidence";
  }
  if (r.failure?.check === 'counters' && r.rolledBack === true) {
    return 'the release was not judged, only rolled back: make the bake source readable again (bake.source; docs/rollout.md), then roll out again';
  }
  if (r.failure?.check === 'weights-back') {
    const them = moved.length === 1 ? 'it' : 'them';
    const then = `set the weights back with the commands above once the load balancer answers; then`;
    if (s.release.proxy) {
      // deploy.recover drains through the release's own proxy config: nothing to do by hand first.
      const drained = s.moved.filter((h) => !s.stillInRotation.includes(h)).map((h) => h.name);
      const back = drained.length ? `, and \`proxy.all\` puts ${drained.join(', ')} back in rotation` : '';
      return `${then} \`${cmd('recover')}\` takes ${moved.join(', ')} out of rotation, switches ${them} back and restarts ${them} (or roll out again, which does that first)${back}`;
    }
    // This release's tasks have no proxy config, so deploy.recover cannot drain: a host still in rotation must leave it first.
    const drain = s.stillInRotation.length ? `take ${hostList(s.stillInRotation)} out of rotation (on the runtime API: ${s.lb!.keysOf(s.stillInRotation).map((k) => `set server ${k} state drain`).join('; ')}), ` : '';
    return `${then} ${drain}\`${cmd('recover')}\` switches ${moved.join(', ')} back (or roll out again, which does that first), and \`proxy.all\` puts ${them} back in rotation`;
  }
  if (r.rolledBack === true) return `fix the release and roll out again; \`${cmd('releases')}\` shows what is live where`;
  if (r.rolledBack === 'partial') return `fix the hosts marked ROLLBACK FAILED by hand (\`${cmd('releases')}\`, \`proxy.status\`), then put them back in rotation`;
  if (moved.length) return `inspect ${moved.join(', ')}; then \`${cmd('recover')}\` switches them back (their journals keep the rollout), and \`proxy.all\` puts them back in rotation`;
  return 'nothing was switched; fix the problem and roll out again';
}

async function confirm(c: Context, cfg: ResolvedRollout, opts: RolloutOptions, hosts: Host[], question: string): Promise<void> {
  // The rollout's own setting, or the deployfile's environment saying its deploys ask.
  if (!needsConfirmation(cfg) && !c.environment?.confirm) return;
  const where = cfg.environment ? ` to ${cfg.environment}` : '';
  const hint = `pass --yes (-y) to confirm, or set rollout confirm: false${cfg.environment ? ` (or environments.${cfg.environment}.confirm)` : ''} in the deployfile`;
  // What will ship, then y/N (src/deploy/pending-confirm.ts).
  const { confirmShipment } = await import('../deploy/pending-confirm.js');
  await confirmShipment(c, opts.release, hosts, opts.resolved, { what: `a rollout${where}`, question, hint });
}

function dryReport(opts: RolloutOptions, cfg: ResolvedRollout, b: Host[][]): RolloutReport {
  return {
    ok: true,
    dryRun: true,
    release: '(dry run)',
    ref: opts.resolved.tag ?? opts.resolved.ref,
    sha: opts.resolved.sha,
    environment: cfg.environment,
    batches: b.map((hosts, i) => ({ batch: i + 1, hosts: hosts.map((h) => h.name), state: 'pending', samples: 0, conclusive: 0, failed: 0 })),
    hosts: b.flatMap((hosts, i) => hosts.map((h) => ({ host: h.name, batch: i + 1, servers: [], phase: 'old' as const }))),
    rolledBack: false,
    durationMs: 0,
  };
}
