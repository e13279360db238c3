// The one release pipeline. Deploys, rollouts, in-place deploys and rollbacks all
// run these named steps; a flow (flow.ts) says how hosts move through them and a
// mover how one host gets the code:
//
//   lock → recover what an earlier run left → name → build → for each batch:
//   prepare → [once, beforeSwitch] → gate → [commit: the decision on every target]
//   → switch → restart → gate → record → … → finish → unlock
//
// Before the commit, a failure removes what was prepared and nothing is live. After
// it, a flow that recovers forward finishes every host it can reach (a host out of
// reach is finished by the next dpl command), and one that recovers back undoes.
import { internal } from '../core/internal.js';
import type { Context } from '../core/context-types.js';
import type { HostRelease } from '../deploy/config.js';
import type { HostState } from '../deploy/history.js';
import { isReleaseName, nextReleaseName } from '../deploy/layout.js';
import { acquireLocks, newLockInfo, releaseLocks } from '../deploy/lock.js';
import { recoverFirst } from './recover.js';
import { PipelineRun, type PipelineSpec } from './state.js';
import { drive } from './drive.js';
import { releaseCommand } from '../deploy/task-names.js';
import type {} from './events.js'; // the EventMap entries this file emits

export { PipelineRun, PipelineStop, type PipelineSpec } from './state.js';

/** Run the pipeline on `spec.hosts`; returns the finished run, or throws saying where every host is. */
export async function runPipeline(c: Context, spec: PipelineSpec): Promise<PipelineRun | undefined> {
  const lock = newLockInfo(spec.lockTarget);
  const locked = await acquireLocks(c, spec.hosts, spec.layouts, lock, spec.size);
  let run: PipelineRun | undefined;
  try {
    const { states, recovered } = await recoverFirst(c, spec, locked);
    // A rollback that found a run to undo has done what it was asked unless it named a release:
    // going on would roll back one release further than the operator meant.
    if (spec.action === 'rollback' && !spec.explicit && recovered.some((r) => r.verdict === 'back' || r.verdict === 'abort')) {
      internal(c).emit('deploy.nothing', { why: 'undone-instead', command: releaseCommand(c)('rollback', ':<release>') });
      return undefined;
    }
    run = begin(c, spec, states, lock.token);
    if (!run) return undefined;
    await drive(run);
    return run;
  } finally {
    // Hosts that ended in their record script released their lock there (host-end.ts).
    const ended = run?.ended;
    await releaseLocks(c, ended ? spec.hosts.filter((h) => !ended.has(h.name)) : spec.hosts, spec.layouts, lock.token, spec.size);
  }
}

/** Name the release (or take the rollback's target) and lay out each host's part; undefined: nothing to do. */
function begin(c: Context, spec: PipelineSpec, states: Map<string, HostState>, id: string): PipelineRun | undefined {
  let name: string;
  let ref = spec.resolved!;
  if (spec.target) {
    const t = spec.target(states);
    name = t.release;
    ref = t.ref;
  } else {
    // Never reuse a name, not even one whose directory is gone: history records are keyed by it.
    name = nextReleaseName(new Date(), [...states.values()].flatMap((s) => [...s.releases, ...s.history.map((r) => r.release)]));
  }
  const inPlace = spec.flow.name === 'in-place';
  const rels = new Map<string, HostRelease>();
  for (const host of spec.hosts) {
    const l = spec.layouts.get(host.name)!;
    const s = states.get(host.name);
    const current = s?.current;
    const previous = inPlace ? lastDeployed(s) : current && isReleaseName(current) ? current : undefined;
    rels.set(host.name, { host, name, path: inPlace ? l.current : l.release(name), deployPath: l.root, previous, ref, strategy: inPlace ? 'pull' : stratOf(spec) });
  }
  // A rollback only moves the hosts not on its target already.
  const moving = spec.action === 'rollback' ? spec.hosts.filter((h) => states.get(h.name)?.current !== name) : spec.hosts;
  if (!moving.length) {
    internal(c).emit('deploy.nothing', { why: 'already-live', release: name });
    return undefined;
  }
  const batches = spec.flow.batches(moving);
  return new PipelineRun(c, { ...spec, hosts: moving }, batches, name, ref, rels, states, id);
}

function stratOf(spec: PipelineSpec): HostRelease['strategy'] {
  return spec.config.strategy ?? 'git';
}

/** The newest release recorded as deployed (what is live in place, as far as dpl knows). */
function lastDeployed(s: HostState | undefined): string | undefined {
  if (!s) return undefined;
  const names = [...new Set(s.history.map((r) => r.release))].sort().reverse();
  return names.find((n) => [...s.history].reverse().find((r) => r.release === n)?.status === 'deployed');
}
