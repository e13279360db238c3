// The canary's gates around each batch of the release pipeline: out of rotation
// before the switch; after the restart, each node's health, the LB's own view, back
// into rotation and the bake; and the same checks when a stop undoes the moved
// batches (newest first). A failed check stops the run with the numbers behind it.
import type { Host } from '../core/host.js';
import { InterruptedError } from '../core/errors.js';
import { errorText } from '../deploy/remote.js';
import type { Gates } from '../pipeline/flow.js';
import { undoMoved } from '../pipeline/undo.js';
import { PipelineStop, type PipelineRun } from '../pipeline/state.js';
import { bake } from './bake.js';
import { tell } from './events.js';
import { checkHealthAll } from './health.js';
import { rotation } from './rotation-gates.js';
import { describeFailure, type FailedCheck } from './report.js';
import type { RolloutRun } from './session.js';
import { planBatches } from './plan.js';
import { releaseCommand } from '../deploy/task-names.js';

/** Run `fn`; any error that is not already a stop becomes one for `check`. */
async function step<T>(s: RolloutRun, check: FailedCheck, batch: number, hosts: Host[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof PipelineStop) throw e;
    const interrupted = e instanceof InterruptedError || s.c.session.signal.aborted;
    throw s.stop(interrupted ? 'interrupted' : check, batch, hosts, errorText(e), undefined, e);
  }
}

export function canaryGates(s: RolloutRun): Gates {
  const drainMs = () => s.cfg.drainTimeoutMs ?? s.opts.proxy?.drainTimeoutMs ?? 60_000;
  const shares = planBatches(s.cfg.plan, s.batches.flat().length).map((b) => b.share);
  const undo = rotation(s.c, {
    lb: s.lb,
    health: s.cfg.health,
    drainMs: drainMs(),
    phase: 'rollback',
    after: 'after switching back',
    onBack: (run, h) => tell(s.c, 'rollout.rollback', { state: 'host', hosts: [h.name], host: h.name, ok: true, reason: 'rollout stopped', to: run.records.get(h.name)!.current, rotation: !!s.lb }),
  });
  return {
    async batchStart(run: PipelineRun, batch: Host[], index: number) {
      if (!s.run) {
        s.run = run;
        for (const r of run.records.values()) r.servers = s.lb?.keysOf([run.hosts.find((h) => h.name === r.host)!]) ?? [];
      }
      const n = index + 1;
      tell(s.c, 'rollout.batch', { kind: 'rollout', batch: n, of: s.batches.length, hosts: batch.map((h) => h.name), state: 'start', release: s.name });
    },

    async beforeSwitch(_run, batch, index) {
      if (s.lb) await step(s, 'drain', index + 1, batch, () => s.lb!.takeOut(s.c, batch, drainMs()));
    },

    async afterRestart(run, batch, index) {
      const { c, cfg } = s;
      const n = index + 1;
      const of = s.batches.length;
      const health = await step(s, 'health', n, batch, () => checkHealthAll(c, batch, cfg.health, 'deploy', (h) => s.lb?.addresses.get(h.name), run.size));
      const sick = health.filter((r) => !r.ok);
      if (sick.length) {
        const lines = sick.map((r) => `${r.host}: ${r.target} → ${r.detail} (${r.attempts} attempts in ${(r.elapsedMs / 1000).toFixed(1)} s)`);
        throw s.stop('health', n, batch, `no ${cfg.health.passes} good answers in a row within ${cfg.health.giveUpMs / 1000} s:\n${lines.join('\n')}`, {
          unhealthy: sick.length,
          passesNeeded: cfg.health.passes,
          giveUpMs: cfg.health.giveUpMs,
        });
      }
      if (s.lb) {
        await step(s, 'lb-health', n, batch, () => verifyEach(s, batch, run.size));
        // A weighted batch gets its weights before it takes any traffic.
        if (shares[index] !== undefined) await step(s, 'weights', n, batch, () => s.lb!.weighted.apply(c, s.lb!.keysOf(batch), shares[index]!));
        await step(s, 'drain', n, batch, () => s.lb!.putBack(s.c, batch));
      }
      s.phase(batch, 'live');
      tell(c, 'rollout.batch', { kind: 'rollout', batch: n, of, hosts: batch.map((h) => h.name), state: 'live', release: s.name, rotation: !!s.lb });
      await step(s, 'error', n, batch, () => bake(s, index));
      if (s.lb && shares[index] !== undefined) await step(s, 'weights-back', n, batch, () => restoreWeights(s));
      const { samples, conclusive, failed } = s.samples(n);
      tell(c, 'rollout.promote', { batch: n, of, hosts: batch.map((h) => h.name), release: s.name, samples, conclusive, failed });
    },

    beforeUndo: undo.out,
    afterUndo: undo.back,

    onStop: (run, stop) => rollBack(s, run, stop),
  };
}

/** The LB step's check, `size` hosts at once; every failure is told. */
async function verifyEach(s: RolloutRun, batch: Host[], size: number): Promise<void> {
  const fan = await s.lb!.verifyEach(s.c, batch, size);
  if (fan.failed.length === 1) throw fan.failed[0]!.error;
  if (fan.failed.length) throw new Error(fan.failed.map((f) => errorText(f.error)).join('\n'));
}

async function restoreWeights(s: RolloutRun): Promise<void> {
  const w = s.lb!.weighted;
  if (await w.restore(s.c)) return;
  // The commands go into the failure itself: the rollback's output pushes the error line far up.
  const byHand = w.byHand.map((x) => `on ${x.lb}'s runtime API: ${x.commands}`).join('; ');
  throw new Error(`could not set the HAProxy server weights back after the weighted canary; set them by hand ${byHand}`);
}

/** Undo every moved host (or, with --no-rollback or after Ctrl-C, leave them and take the failing batch out of rotation). */
async function rollBack(s: RolloutRun, run: PipelineRun, stop: PipelineStop): Promise<void> {
  const { c } = s;
  const failure = stop.failure;
  const reason = describeFailure(failure, s.batches.length);
  const moved = [...run.moved];
  const names = moved.map((h) => h.name);
  tell(c, 'rollout.batch', { kind: 'rollout', batch: failure.batch, of: s.batches.length, hosts: failure.hosts, state: 'failed', release: s.name, reason, detail: failure.message });
  if (!moved.length) {
    tell(c, 'rollout.rollback', { state: 'skipped', hosts: [], reason });
    return;
  }
  // A batch that passed its bake but whose weights could not be set back is not rolled back:
  // the LB that would drain it cannot be driven, and a switch back without a drain drops requests.
  const kept = failure.check === 'weights-back';
  if (kept || c.session.flags.noRollback || c.session.signal.aborted) {
    const why = kept ? 'it passed its bake' : c.session.flags.noRollback ? '--no-rollback' : 'interrupted';
    const failing = s.batches[failure.batch - 1]!.filter((h) => names.includes(h.name));
    const live = failing.filter((h) => run.records.get(h.name)!.phase === 'live');
    let out = false;
    if (s.lb && live.length && !c.session.signal.aborted) {
      // Inspection should not cost users errors: the failing batch leaves rotation, still running.
      out = await s.lb.takeOut(c, live, s.cfg.drainTimeoutMs ?? 10_000).then(
        () => true,
        (e) => (tell(c, 'rollout.problem', { action: 'take-out', hosts: live.map((h) => h.name), error: errorText(e) }), false),
      );
    }
    run.phase(moved, 'left');
    if (s.lb && live.length && !out) s.stillInRotation = live;
    const liveNames = s.lb ? live.map((h) => h.name) : [];
    tell(c, 'rollout.rollback', {
      state: 'skipped',
      hosts: names,
      reason,
      detail: why,
      release: s.name,
      takenOut: out ? liveNames : [],
      stillInRotation: out ? [] : liveNames,
      recover: releaseCommand(c)('recover'),
    });
    return;
  }
  tell(c, 'rollout.rollback', { state: 'start', hosts: names, reason });
  stop.rolledBack = await undoMoved(run, moved, `rolled back by the rollout: ${reason}`).catch((e) => {
    tell(c, 'rollout.problem', { action: 'rollback', hosts: names, error: errorText(e) });
    return 'partial' as const;
  });
  for (const r of run.records.values()) {
    if (r.phase === 'rollback-failed') tell(c, 'rollout.rollback', { state: 'host', hosts: [r.host], host: r.host, ok: false, reason, detail: r.note });
  }
  const ok = stop.rolledBack === true;
  tell(c, 'rollout.rollback', { state: 'end', hosts: names, reason, ok });
}
