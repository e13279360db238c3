// The ends of a deploy: undoing an unswitched release everywhere, recording the
// result in each host's history, and what happens when a step after the switch
// fails (switch every host back, or say plainly that the failed release is live).
import { internal } from '../core/internal.js';
import type { Context } from '../core/context-types.js';
import { DplError, type HostFailure } from '../core/errors.js';
import type { DeployInfo, HostRelease, ReleaseConfig } from './config.js';
import { appendSnippet, newRecord, refOfRelease, type HistoryRecord, type HostState, type ReleaseStatus } from './history.js';
import { layoutOf } from './layout.js';
import { discardSnippet } from './prepare.js';
import { errorText, forHosts, runScript } from './remote.js';
import { switchBack } from './switch.js';
import { announce } from './announce.js';
import { runHostHook } from './hooks.js';
import { cycleServices } from './services.js';

/** Why each host's release is being thrown away, for its history record. */
export function reasons(rels: HostRelease[], failures: HostFailure[], fallback: string): Map<string, string> {
  const own = new Map(failures.map((f) => [f.host, errorText(f.error).replace(`[${f.host}] `, '')]));
  return new Map(rels.map((r) => [r.host.name, own.get(r.host.name) ?? fallback]));
}

/** Remove the release directory on every host in `rels` and record it failed; warns, never throws. */
export async function discardAll(c: Context, rels: HostRelease[], why: Map<string, string>, size: number): Promise<void> {
  const fan = await forHosts(
    c,
    rels.map((r) => r.host),
    size,
    async (h) => {
      const rel = rels.find((r) => r.host === h)!;
      await runScript(c, h, `remove unswitched release ${rel.name}`, discardSnippet(rel, why.get(h.name) ?? 'deploy failed'));
    },
    { interruptible: false },
  );
  for (const f of fan.failed) c.on(rels.find((r) => r.host.name === f.host)!.host).warn(`could not remove the half-made release: ${errorText(f.error)}`);
}

/** Append one record per host (uninterruptible); returns the failures. */
export async function recordAll(
  c: Context,
  rels: HostRelease[],
  status: ReleaseStatus,
  extra: (rel: HostRelease) => Partial<HistoryRecord>,
  size: number,
): Promise<HostFailure[]> {
  const fan = await forHosts(
    c,
    rels.map((r) => r.host),
    size,
    async (h) => {
      const rel = rels.find((r) => r.host === h)!;
      const record = newRecord(rel.name, status, { resolved: rel.ref, strategy: rel.strategy, ...extra(rel) });
      await runScript(c, h, `record ${rel.name} ${status}`, appendSnippet(layoutOf(rel.deployPath), [record]));
      internal(c).emit('deploy.status', { host: h.name, release: rel.name, status, reason: record.reason });
    },
    { interruptible: false },
  );
  return fan.failed;
}

/** Restart after a switch: configured services, then the restart hook. Failures collected. */
export async function restartAll(c: Context, config: ReleaseConfig, rels: HostRelease[], size: number, interruptible = true) {
  return runHostHook(
    c,
    'restart',
    async (hc, rel) => {
      await cycleServices(hc, config.services);
      await config.hooks?.restart?.(hc, rel);
    },
    rels,
    size,
    { interruptible },
  );
}

/**
 * A step after the switch failed on some hosts. With autoRollback (default) and a
 * previous release on every host: switch all back, restart them, mark the new
 * release failed. Otherwise mark it failed and say it is live. Always throws.
 */
export async function failAfterSwitch(
  c: Context,
  config: ReleaseConfig,
  info: DeployInfo,
  rels: HostRelease[],
  failures: HostFailure[],
  step: string,
  size: number,
  states: Map<string, HostState>,
): Promise<never> {
  const detail = failures.map((f) => `  - ${f.host}: ${errorText(f.error).replace(`[${f.host}] `, '').replace(/\n/g, '\n    ')}`).join('\n');
  const why = reasons(rels, failures, `${step} failed on ${failures.map((f) => f.host).join(', ')}`);
  const canGoBack = rels.every((r) => r.previous);
  if (config.autoRollback !== false && canGoBack) {
    c.warn(`${step} failed after the switch; switching every host back to its previous release`);
    const backFailures = await switchBack(c, rels.map((r) => ({ host: r.host, deployPath: r.deployPath, to: r.name, fromLink: states.get(r.host.name)?.currentLink })), size);
    const previous = rels.map((r) => ({ ...r, name: r.previous!, path: layoutOf(r.deployPath).release(r.previous!), previous: undefined, ref: refOfRelease(states.get(r.host.name)!, r.previous!) }));
    const restarted = backFailures.length ? undefined : await restartAll(c, config, previous, size, false);
    if (!backFailures.length) {
      announce(c, 'rollback', `switched every host back from ${info.release} after ${step} failed`, {
        release: previous[0]?.name ?? info.release,
        ref: info.ref,
        hosts: rels.map((r) => r.host.name),
      });
    }
    await recordAll(c, rels, 'failed', (r) => ({ reason: why.get(r.host.name), action: 'deploy' }), size);
    const notes: string[] = [];
    for (const f of backFailures) notes.push(`  - ${f.host}: switching back failed: ${errorText(f.error)}`);
    for (const f of restarted?.failed ?? []) notes.push(`  - ${f.host}: restart after switching back failed: ${errorText(f.error)}`);
    throw new DplError(
      `deploy of ${info.release} failed after the switch (${step}):\n${detail}\n` +
        (notes.length ? `switching back had problems:\n${notes.join('\n')}` : `every host was switched back to its previous release and restarted; ${info.release} is marked failed`),
      { hint: notes.length ? 'check the hosts above; `dpl deploy.releases` shows what is live where' : `fix the problem and deploy again` },
    );
  }
  await recordAll(c, rels, 'failed', (r) => ({ reason: why.get(r.host.name), action: 'deploy' }), size);
  const why2 = config.autoRollback === false ? 'autoRollback is off' : 'not every host has a previous release';
  throw new DplError(`deploy of ${info.release} failed after the switch (${step}); ${info.release} is live on every host but marked failed (${why2}):\n${detail}`, {
    hint: canGoBack ? 'roll back with `dpl deploy.rollback`, or fix and deploy again' : 'fix the problem and deploy again',
  });
}
