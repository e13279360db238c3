// Undoing a run that switched hosts: the decision becomes `revert` in every target's
// journal first (a host out of reach now is reverted by the next dpl command, never
// finished), then newest batch first: out of rotation (gate), switch back, restart,
// checked and back into rotation (gate). A host that cannot be brought back is named.
import { internal } from '../core/internal.js';
import type { Host } from '../core/host.js';
import type { HostRelease } from '../deploy/config.js';
import { refOfRelease } from '../deploy/history.js';
import { releaseFromLink } from '../deploy/layout.js';
import { errorText, forHosts, runScript } from '../deploy/remote.js';
import { restartAll } from './steps.js';
import { record } from './steps.js';
import type { PipelineRun } from './state.js';
import type {} from '../deploy/events.js'; // the EventMap entries this file emits
import type {} from './events.js'; // the EventMap entries this file emits

export type UndoOutcome = true | 'partial';

/** The release a host ran before this run (what an undo restarts), as a HostRelease. */
export function previousRel(run: PipelineRun, rel: HostRelease): HostRelease | undefined {
  const before = run.journals.get(rel.host.name)?.previous;
  if (!before) return undefined;
  const l = run.layouts.get(rel.host.name)!;
  if (run.spec.flow.name === 'in-place') return { ...rel, name: rel.previous ?? rel.name, previous: undefined, ref: { ...rel.ref, sha: before } };
  const name = releaseFromLink(before)!;
  const state = run.states.get(rel.host.name);
  return { ...rel, name, path: l.release(name), previous: undefined, ref: state ? refOfRelease(state, name) : rel.ref };
}

/**
 * Put `hosts` (switched to the run's release, or whose switch has an unknown outcome)
 * back, newest batch first. `reason` goes into each host's history record.
 */
export async function undoMoved(run: PipelineRun, hosts: Host[], reason: string): Promise<UndoOutcome> {
  const { c, spec } = run;
  const decided = await run.writeJournals(run.hosts, 'record the decision: undo the switch', () => ({ decision: 'revert' }));
  for (const f of decided.failed) internal(c).emit('deploy.unrecorded', { host: f.host, what: 'undo', error: errorText(f.error) });
  const todo = new Set(hosts.map((h) => h.name));
  const groups = [...run.batches].reverse().map((b) => b.filter((h) => todo.has(h.name))).filter((b) => b.length);
  let ok = true;
  for (const group of groups) {
    await spec.flow.gates?.beforeUndo?.(run, group).catch((e: unknown) =>
      internal(c).emit('deploy.undo', { state: 'out-of-rotation-failed', hosts: group.map((h) => h.name), error: errorText(e) }),
    );
    const back = await forHosts(
      c,
      group,
      run.size,
      (h) => {
        const rel = run.rels.get(h.name)!;
        return runScript(c, h, `switch current back → ${run.journals.get(h.name)?.previous ?? '(none)'}`, spec.mover.switchBack(run, rel, run.journals.get(h.name)?.previous));
      },
      { interruptible: false },
    );
    for (const f of back.failed) {
      ok = false;
      run.phase([group.find((h) => h.name === f.host)!], 'rollback-failed', { note: `switching back failed: ${errorText(f.error)}` });
    }
    const switched = run.relsOf(group.filter((h) => back.succeeded.has(h.name)));
    const prev = switched.map((r) => ({ rel: r, prev: previousRel(run, r) }));
    for (const { rel, prev: p } of prev) {
      run.phase([rel.host], 'rolled-back', { current: p?.name, ...(p ? {} : { note: 'no release before this one: `current` removed, left out of rotation' }) });
    }
    const live = prev.filter((x) => x.prev).map((x) => x.prev!);
    const restarted = await restartAll(c, run.config, live, run.size, false);
    for (const f of restarted.failed) {
      ok = false;
      run.phase([group.find((h) => h.name === f.host)!], 'rollback-failed', { note: `restart after switching back failed: ${errorText(f.error)}` });
    }
    const up = live.filter((r) => !restarted.failed.some((f) => f.host === r.host.name)).map((r) => r.host);
    const sick = (await spec.flow.gates?.afterUndo?.(run, up)) ?? [];
    if (sick.length) ok = false;
    await record(run, switched, 'failed', () => ({ reason, action: spec.action }), { done: true });
  }
  return ok ? true : 'partial';
}
