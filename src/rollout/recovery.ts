// The load balancer side of recovering an unfinished run (src/pipeline/recover.ts):
// when the deployfile puts an LB in front of the hosts, a recovery that switches
// hosts (back or forward) and restarts them takes them out of rotation first and
// puts them back once healthy, as a rollout's batches do (rotation-gates.ts), in
// groups that each leave every backend a live server.
import { internal } from '../core/internal.js';
import type { Context } from '../core/context-types.js';
import type { Host } from '../core/host.js';
import { errorText } from '../deploy/remote.js';
import type { Gates } from '../pipeline/flow.js';
import { resolveRollout, type RecoveryLb } from './config.js';
import { RolloutLb } from './lb.js';
import { capacityProblems } from './rotation.js';
import { rotation, type Rotation } from './rotation-gates.js';
import type {} from '../pipeline/events.js'; // the EventMap entries this file emits

export interface RecoveryRotation extends Rotation {
  /** `hosts` in groups, in order, each of which can leave rotation while every backend keeps a live server. */
  groups: Host[][];
  /** The same steps as an undo's gates (undo.ts calls them around each group). */
  gates: Gates;
}

/** Open the LB for `hosts`; undefined (and a warning) when it cannot be read: the recovery goes on without a drain. */
export async function recoveryRotation(c: Context, cfg: RecoveryLb, hosts: Host[]): Promise<RecoveryRotation | undefined> {
  const settings = resolveRollout(cfg.rollout, c.environment?.name);
  let lb: RolloutLb;
  try {
    lb = await RolloutLb.open(c, cfg.proxy, hosts, { partial: true });
  } catch (e) {
    internal(c).emit('deploy.recover', { state: 'out-of-rotation-failed', hosts: hosts.map((h) => h.name), error: errorText(e) });
    return undefined;
  }
  const r = rotation(c, {
    lb,
    health: settings.health,
    drainMs: settings.drainTimeoutMs ?? cfg.proxy.drainTimeoutMs ?? 60_000,
    phase: 'restart',
    after: 'after its restart',
    onBack: (run, h) => internal(c).emit('deploy.recover', { state: 'in-rotation', host: h.name, release: run.records.get(h.name)!.current }),
  });
  return { ...r, groups: groupsOf(lb, hosts), gates: { beforeUndo: r.out, afterUndo: r.back } };
}

/** Greedy: a host joins the current group unless that would leave a backend with nothing live. */
function groupsOf(lb: RolloutLb, hosts: Host[]): Host[][] {
  const groups: Host[][] = [];
  let group: Host[] = [];
  for (const h of hosts) {
    const next = [...group, h];
    if (!group.length || !capacityProblems(lb.views0, new Set(lb.keysOf(next))).length) group = next;
    else {
      groups.push(group);
      group = [h];
    }
  }
  if (group.length) groups.push(group);
  return groups;
}
