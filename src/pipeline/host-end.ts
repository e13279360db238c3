// A host's end in the script that records it. Once a deploy's history record is
// written and its journal cleared, a run with nothing left to do under the lock
// removes the releases cleanup would remove and releases the lock in that same
// script: one round trip per host where there were four (read releases, remove,
// unlock; issue #18). The plan comes from the state read under the lock, plus this
// release: nothing else changes a locked host's releases.
//
// Only a deploy of every host at once (or in place) ends this way: a canary keeps
// its journals and lock until its last batch, an afterDeploy hook runs under the
// lock after every host is recorded, and a rollback records only once all restarted.
import type { Host } from '../core/host.js';
import { internal } from '../core/internal.js';
import type { HostRelease } from '../deploy/config.js';
import { keepOf } from '../deploy/config.js';
import { logRemoval, parseRemoval, planCleanup, removeScript, stuckError, type CleanupPlan } from '../deploy/cleanup.js';
import type { HistoryRecord } from '../deploy/history.js';
import { sortReleases } from '../deploy/layout.js';
import { releaseScript } from '../deploy/lock.js';
import { emitReleased, releaseResult } from '../deploy/lock-events.js';
import type { PipelineRun } from './state.js';
import type {} from '../deploy/events.js'; // the EventMap entries this file emits

export interface HostEnd {
  script: string;
  plan: CleanupPlan | undefined;
}

/** Whether this run's hosts end in their record script. */
export function endsAtRecord(run: PipelineRun): boolean {
  const { spec } = run;
  return spec.action === 'deploy' && spec.flow.recover === 'forward' && spec.flow.name !== 'canary' && run.batches.length === 1 && !run.config.hooks?.afterDeploy;
}

/** Whether a successful run removes old releases: not when the config says so, nor in place (one directory). */
export function cleansUp(run: PipelineRun): boolean {
  return run.config.cleanup !== false && run.spec.flow.name !== 'in-place';
}

/** Cleanup (when the run cleans up) and the lock's release, after `rec` is written. */
export function hostEnd(run: PipelineRun, rel: HostRelease, rec: HistoryRecord): HostEnd {
  const l = run.layouts.get(rel.host.name)!;
  let plan: CleanupPlan | undefined;
  if (cleansUp(run)) {
    const before = run.states.get(rel.host.name) ?? { releases: [], history: [] };
    const after = { ...before, current: rel.name, releases: sortReleases([rel.name, ...before.releases.filter((r) => r !== rel.name)]), history: [...before.history, rec] };
    plan = planCleanup(after, keepOf(run.config));
  }
  const removal = plan?.remove.length ? [removeScript(l, plan.remove)] : [];
  return { script: [...removal, releaseScript(l, run.id)].join('\n'), plan };
}

/** Say what the end did on `host` (as cleanup and unlock would), and mark the host ended. */
export function reportEnd(run: PipelineRun, host: Host, end: HostEnd, stdout: string): void {
  const { c } = run;
  if (end.plan) {
    const result = parseRemoval(stdout);
    logRemoval(c, host, end.plan, result);
    if (result.stuck.length) internal(c).emit('deploy.cleanup', { host: host.name, error: stuckError(c, result.stuck).message });
  }
  emitReleased(c, [[host.name, releaseResult(stdout)]]);
  run.ended.add(host.name);
}
