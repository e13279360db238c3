// Cleanup keeps the N newest *good* releases (failed and rolled-back ones never
// count toward N: Capistrano's keep-N deleted the last good release), and never
// touches `current` or the previous good release. Files the login user cannot
// delete (written by the app as another user) are reported plainly, and the
// half-deleted release is marked failed so a rollback can never land on it.
import type { Context } from '../core/context-types.js';
import { internal } from '../core/internal.js';
import type { Host } from '../core/host.js';
import { DplError, HostsFailedError } from '../core/errors.js';
import { sh } from '../core/quote.js';
import { keepOf, type ReleaseConfig } from './config.js';
import type { Targets } from './targets.js';
import { isGood, newRecord, parseState, previousGood, recordLine, stateSnippet, statusOf, type HostState } from './history.js';
import type { Layout } from './layout.js';
import { acquireLocks, newLockInfo, releaseLocks } from './lock.js';
import { indexFiles } from './git-reuse.js';
import { openDirs } from './prepare.js';
import { forHosts, runScript } from './remote.js';
import { releaseCommand } from './task-names.js';
import type {} from './events.js'; // the EventMap entries this file emits

export interface CleanupPlan {
  keep: string[];
  remove: string[];
}

/** What to keep: N newest good, current, previous good; unknown releases newer than current too. */
export function planCleanup(state: HostState, keep: number): CleanupPlan {
  const kept = new Set(state.releases.filter((r) => isGood(state, r)).slice(0, keep));
  if (state.current) kept.add(state.current);
  const prev = previousGood(state);
  if (prev) kept.add(prev);
  for (const r of state.releases) {
    // Not made by dpl (no history) and not older than what is live: leave it for a human.
    if (statusOf(state, r) === undefined && (!state.current || r > state.current)) kept.add(r);
  }
  return { keep: state.releases.filter((r) => kept.has(r)), remove: state.releases.filter((r) => !kept.has(r)) };
}

/** Shell that deletes `remove`, printing `@@DPL removed R` or `@@DPL stuck R` (and the error) for each. */
export function removeScript(l: Layout, remove: string[]): string {
  const lines: string[] = [];
  for (const r of remove) {
    const dir = l.release(r);
    const removed = recordLine(newRecord(r, 'removed', { action: 'cleanup' }));
    const stuck = recordLine(newRecord(r, 'failed', { action: 'cleanup', reason: 'partly deleted by cleanup (files owned by another user)' }));
    lines.push(
      `${openDirs(dir)} || true`,
      sh`if err=$(rm -rf -- ${dir} ${indexFiles(l, r)} 2>&1); then echo ${`@@DPL removed ${r}`}; printf '%s\\n' ${removed} >> ${l.history};`,
      sh`else echo ${`@@DPL stuck ${r}`}; printf '%s\\n' "$err" | head -n 3; echo '@@DPL end'; printf '%s\\n' ${stuck} >> ${l.history}; fi`,
    );
  }
  return lines.join('\n');
}

export interface HostCleanup {
  removed: string[];
  stuck: Array<{ release: string; detail: string }>;
}

export function parseRemoval(stdout: string): HostCleanup {
  const out: HostCleanup = { removed: [], stuck: [] };
  const lines = stdout.split('\n');
  lines.forEach((line, i) => {
    if (line.startsWith('@@DPL removed ')) out.removed.push(line.slice(14));
    if (line.startsWith('@@DPL stuck ')) {
      const end = lines.indexOf('@@DPL end', i);
      out.stuck.push({ release: line.slice(12), detail: lines.slice(i + 1, end < 0 ? undefined : end).join('\n').trim() });
    }
  });
  return out;
}

async function cleanHost(c: Context, host: Host, l: Layout, keep: number, sudo: boolean): Promise<HostCleanup> {
  const { stdout } = await runScript(c, host, 'read releases', stateSnippet(l));
  const plan = planCleanup(parseState(stdout), keep);
  const hc = c.on(host);
  if (!plan.remove.length) {
    logRemoval(c, host, plan, { removed: [], stuck: [] });
    return { removed: [], stuck: [] };
  }
  const script = removeScript(l, plan.remove);
  const out = sudo ? (await hc.sudo(script, { hide: true })).stdout : (await runScript(c, host, `remove ${plan.remove.length} old release(s)`, script)).stdout;
  const result = parseRemoval(out);
  logRemoval(c, host, plan, result);
  return result;
}

export function logRemoval(c: Context, host: Host, plan: CleanupPlan, result: HostCleanup): void {
  const stuck = result.stuck.map((s) => s.release);
  internal(c).emit('deploy.cleanup', { host: host.name, kept: plan.keep, removed: result.removed, ...(stuck.length ? { stuck } : {}) });
}

/** What to say about releases the login user could not delete. */
export function stuckError(c: Context, stuck: HostCleanup['stuck']): DplError {
  return new DplError(
    `could not delete ${stuck.map((s) => s.release).join(', ')}: files there cannot be deleted by the login user ` +
      `(owned by another user, e.g. written by the app); marked failed so no rollback uses them. ` +
      `Delete them with \`${releaseCommand(c)('cleanup', ':sudo=yes')}\`, or let the app write only under shared/\n` +
      stuck.map((s) => s.detail).filter(Boolean).join('\n'),
    { code: 'cleanup.stuck' },
  );
}

/** Clean every target host. Assumes the deploy lock is held by the caller. */
export async function cleanupHosts(c: Context, config: ReleaseConfig, t: Targets, o: { keep?: number; sudo?: boolean }): Promise<void> {
  const keep = keepOf(config, o.keep);
  const fan = await forHosts(c, t.hosts, t.size, (h) => cleanHost(c, h, t.layouts.get(h.name)!, keep, !!o.sudo));
  const stuck = [...fan.succeeded.entries()].filter(([, r]) => r.stuck.length);
  const failures = [
    ...fan.failed,
    ...stuck.map(([host, r]) => ({ host, error: stuckError(c, r.stuck) })),
  ];
  if (failures.length) throw new HostsFailedError('cleanup', failures);
}

/** `deploy.cleanup`: take the lock, clean, release. */
export async function cleanupTask(c: Context, config: ReleaseConfig, t: Targets, o: { keep?: number; sudo?: boolean }): Promise<void> {
  const lock = newLockInfo(`${c.taskName}`);
  await acquireLocks(c, t.hosts, t.layouts, lock, t.size);
  try {
    await cleanupHosts(c, config, t, o);
  } finally {
    await releaseLocks(c, t.hosts, t.layouts, lock.token, t.size);
  }
}
