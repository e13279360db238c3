// Rotation rules of a rollout, pure: which servers a batch moves, whether taking a
// batch out leaves every backend something live, and the state each server goes
// back to (a server someone put in maint or drain before the rollout stays there).
import type { AdminState, Health, ServerRef, ServerState } from '../proxy/driver.js';

export interface ServerView extends ServerRef {
  key: string;
  admin: AdminState;
  health: Health;
}

export function keyOf(s: ServerRef): string {
  return `${s.backend}/${s.server}`;
}

const RANK: Record<AdminState, number> = { ready: 0, drain: 1, maint: 2 };

/** One view per server over every LB: the least available admin state, DOWN when any LB says down. */
export function mergeViews(perLb: readonly (readonly ServerState[])[]): ServerView[] {
  const out = new Map<string, ServerView>();
  for (const states of perLb) {
    for (const s of states) {
      const key = keyOf(s);
      const seen = out.get(key);
      if (!seen) out.set(key, { key, backend: s.backend, server: s.server, admin: s.admin, health: s.health });
      else {
        if (RANK[s.admin] > RANK[seen.admin]) seen.admin = s.admin;
        if (s.health === 'down') seen.health = 'down';
      }
    }
  }
  return [...out.values()];
}

function live(v: ServerView): boolean {
  return v.admin === 'ready' && v.health !== 'down';
}

/**
 * What is wrong with taking `leaving` out now: one line per backend that would have
 * no live server left. Servers of other batches count as they are now.
 */
export function capacityProblems(views: readonly ServerView[], leaving: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const backend of [...new Set(views.map((v) => v.backend))]) {
    const mine = views.filter((v) => v.backend === backend);
    // Only servers taking traffic now reduce capacity when they leave.
    if (!mine.some((v) => leaving.has(v.key) && live(v))) continue;
    if (mine.some((v) => !leaving.has(v.key) && live(v))) continue;
    const others = mine.filter((v) => !leaving.has(v.key)).map((v) => `${v.server} ${v.admin}${v.health === 'down' ? ' DOWN' : ''}`);
    problems.push(`backend ${backend} would have no live server (others: ${others.join(', ') || 'none'})`);
  }
  return problems;
}

/** The same check for every batch of a plan, before anything changes. */
export function plannedCapacityProblems(views: readonly ServerView[], batches: readonly (readonly string[])[]): string[] {
  return batches.flatMap((keys, i) => capacityProblems(views, new Set(keys)).map((p) => `batch ${i + 1}: ${p}`));
}

/** Servers of the batch that are taking traffic now and must drain before the switch. */
export function toDrain(views: readonly ServerView[], keys: readonly string[]): ServerRef[] {
  return views.filter((v) => keys.includes(v.key) && v.admin === 'ready').map(({ backend, server }) => ({ backend, server }));
}

/** Servers to put back in rotation: those that were ready when the rollout started. */
export function toRestore(initial: ReadonlyMap<string, AdminState>, keys: readonly string[]): ServerRef[] {
  return keys
    .filter((k) => initial.get(k) === 'ready')
    .map((k) => {
      const i = k.indexOf('/');
      return { backend: k.slice(0, i), server: k.slice(i + 1) };
    });
}
