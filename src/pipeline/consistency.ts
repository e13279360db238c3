// Is the fleet on one release? `deploy.recover` finishes what an earlier run left
// (under the lock), and `deploy.check` reports a mixed fleet: target hosts on
// different releases, an unfinished journal, or a live release never recorded
// deployed (what 0.1 left after a partition during the switch).
import { internal } from '../core/internal.js';
import type { Context } from '../core/context-types.js';
import type { Host } from '../core/host.js';
import { DplError } from '../core/errors.js';
import type { ReleaseConfig } from '../deploy/config.js';
import { statusOf, type HostState } from '../deploy/history.js';
import type { Layout } from '../deploy/layout.js';
import { acquireLocks, newLockInfo, releaseLocks } from '../deploy/lock.js';
import { recover, type Recovered } from './recover.js';
import { releaseCommand } from '../deploy/task-names.js';
import type {} from './events.js'; // the EventMap entries this file emits

export interface Scope {
  hosts: Host[];
  layouts: Map<string, Layout>;
  size: number;
}

/** `deploy.recover`: take the locks, finish or undo every unfinished run found, say what is left. */
export async function recoverTask(c: Context, config: ReleaseConfig, t: Scope): Promise<Recovered[]> {
  const lock = newLockInfo(c.taskName);
  const states = await acquireLocks(c, t.hosts, t.layouts, lock, t.size);
  try {
    if (![...states.values()].some((s) => s.journal)) {
      internal(c).emit('deploy.recover', { state: 'none' });
      return [];
    }
    const done = await recover(c, { config, ...t }, states);
    const left = [...new Set(done.flatMap((d) => d.left))];
    if (left.length) {
      throw new DplError(`recovery is not finished: ${left.join(', ')} still ${left.length === 1 ? 'has' : 'have'} an unfinished deploy`, {
        code: 'recover.unfinished',
        hint: `make them reachable (or fix what the warnings above name) and run \`${releaseCommand(c)('recover')}\` again`,
      });
    }
    return done;
  } finally {
    await releaseLocks(c, t.hosts, t.layouts, lock.token, t.size);
  }
}

/** What makes the fleet mixed, one line each; empty when every host is on one recorded release. */
export function mixedFleet(states: ReadonlyMap<string, HostState>): string[] {
  const lines: string[] = [];
  const live = new Map<string, string[]>();
  for (const [host, s] of states) {
    if (s.journal) lines.push(`${host}: unfinished ${s.journal.action} of ${s.journal.release} (by ${s.journal.by}, ${s.journal.time})`);
    if (!s.current) continue;
    live.set(s.current, [...(live.get(s.current) ?? []), host]);
    if (statusOf(s, s.current) === 'prepared') lines.push(`${host}: the live release ${s.current} is recorded prepared, never deployed`);
  }
  if (live.size > 1) lines.unshift(`mixed: the hosts run different releases: ${[...live].map(([r, hosts]) => `${r} on ${hosts.join(', ')}`).join('; ')}`);
  return lines;
}
