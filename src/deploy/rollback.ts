// `deploy.rollback[:release]`: back to the previous *good* release (never one marked
// failed or rolled back; chosen by name and recorded status, never by mtime), or to
// a named one (also how an old release is re-deployed). Same lock, same atomic
// all-or-nothing switch, same restart hooks as a deploy.
import { internal } from '../core/internal.js';
import type { Context } from '../core/context-types.js';
import { DplError, UsageError } from '../core/errors.js';
import { strategyOf, type DeployInfo, type HostRelease, type ReleaseConfig } from './config.js';
import { targetsOf } from './deploy.js';
import { previousGood, refOfRelease, statusOf, type HostState } from './history.js';
import { isReleaseName } from './layout.js';
import { acquireLocks, newLockInfo, releaseLocks } from './lock.js';
import { recordAll, restartAll } from './outcome.js';
import { announce } from './announce.js';
import { runRunHook } from './hooks.js';
import { errorText, shortSha } from './remote.js';
import { switchAll } from './switch.js';

export interface RollbackResult {
  release: string;
  /** host → the release it left. */
  from: Record<string, string | undefined>;
}

/** Which release every host goes to; refuses when hosts disagree or the target is bad. */
export function chooseTarget(states: Map<string, HostState>, wanted: string | undefined, force: boolean): string {
  const problems: string[] = [];
  if (wanted !== undefined) {
    for (const [host, s] of states) {
      const status = statusOf(s, wanted);
      if (!s.releases.includes(wanted)) problems.push(`${host}: release ${wanted} is not there`);
      else if ((status === 'failed' || status === 'rolled-back' || status === 'prepared') && !force) problems.push(`${host}: release ${wanted} is marked ${status}`);
    }
    if (problems.length) {
      throw new DplError(`cannot roll back to ${wanted}:\n  - ${problems.join('\n  - ')}`, {
        hint: problems.some((p) => p.includes('marked')) ? `add force=yes to switch to it anyway (dpl deploy.rollback:${wanted},force=yes)` : 'see `dpl deploy.releases`',
      });
    }
    return wanted;
  }
  const picks = new Map<string, string>();
  for (const [host, s] of states) {
    if (!s.current) problems.push(`${host}: no current release`);
    else {
      const prev = previousGood(s);
      if (prev) picks.set(host, prev);
      else problems.push(`${host}: no good release older than ${s.current}`);
    }
  }
  if (problems.length) throw new DplError(`cannot roll back:\n  - ${problems.join('\n  - ')}`, { hint: 'see `dpl deploy.releases`' });
  const distinct = [...new Set(picks.values())];
  if (distinct.length > 1) {
    throw new DplError(
      `the hosts do not agree on the previous good release:\n  - ${[...picks].map(([h, r]) => `${h}: ${r}`).join('\n  - ')}`,
      { hint: `name the release for every host: dpl deploy.rollback:${distinct.sort()[0]}` },
    );
  }
  return distinct[0]!;
}

export async function rollback(c: Context, config: ReleaseConfig, wanted: string | undefined, force: boolean): Promise<RollbackResult> {
  if (wanted !== undefined && !isReleaseName(wanted)) {
    throw new UsageError(`not a release name: ${JSON.stringify(wanted)}`, { hint: 'release names look like 20261122T153000Z; see `dpl deploy.releases`' });
  }
  if (strategyOf(config) === 'pull') {
    throw new UsageError('rollback needs release directories; strategy pull deploys in place', {
      hint: 'deploy the previous commit again (`dpl deploy:<sha>`; `dpl deploy.releases` lists the SHAs)',
    });
  }
  const t = targetsOf(c, config, 'rollback');
  const lock = newLockInfo(`${c.taskName}${wanted ? `:${wanted}` : ''}`);
  const states = await acquireLocks(c, t.hosts, t.layouts, lock, t.size);
  try {
    if (c.session.flags.dryRun) {
      c.log('dry run: the rollback target comes from each host\'s history, which a dry run does not read; nothing more to show');
      return { release: wanted ?? '', from: {} };
    }
    const target = chooseTarget(states, wanted, force);
    const rels: HostRelease[] = t.hosts.map((host) => {
      const s = states.get(host.name)!;
      const l = t.layouts.get(host.name)!;
      return { host, name: target, path: l.release(target), deployPath: l.root, previous: s.current, ref: refOfRelease(s, target), strategy: strategyOf(config) };
    });
    const moving = rels.filter((r) => r.previous !== target);
    const ref = rels[0]!.ref;
    c.log(`rolling back to ${target}${ref.sha ? ` (${ref.tag ?? ref.ref} @ ${shortSha(ref.sha)})` : ''} on ${t.hosts.map((h) => h.name).join(', ')}`);
    if (!moving.length) {
      c.log(`${target} is already live everywhere; nothing to do`);
      return { release: target, from: {} };
    }
    internal(c).emit('deploy.phase', { action: 'rollback', phase: 'switch', state: 'start', release: target, hosts: moving.map((r) => r.host.name) });
    await switchAll(c, moving.map((r) => ({ host: r.host, deployPath: r.deployPath, to: target, fromLink: states.get(r.host.name)!.currentLink })), t.size, `rollback to ${target}`);
    internal(c).emit('deploy.phase', { action: 'rollback', phase: 'switch', state: 'end', release: target, hosts: moving.map((r) => r.host.name) });

    // Abandoned releases are marked before restarting: whatever happens next, no later rollback picks them.
    const abandoned = moving
      .filter((r) => r.previous && isReleaseName(r.previous))
      .map((r) => ({ ...r, name: r.previous!, path: t.layouts.get(r.host.name)!.release(r.previous!), ref: refOfRelease(states.get(r.host.name)!, r.previous!) }));
    await recordAll(c, abandoned, 'rolled-back', () => ({ action: 'rollback', reason: `rolled back to ${target}` }), t.size);
    await recordAll(c, moving, 'deployed', (r) => ({ action: 'rollback', from: r.previous }), t.size);

    const restarted = await restartAll(c, config, moving, t.size);
    if (restarted.failed.length) {
      throw new DplError(
        `rolled back to ${target}, but restarting failed:\n  - ${restarted.failed.map((f) => `${f.host}: ${errorText(f.error).replace(`[${f.host}] `, '')}`).join('\n  - ')}`,
        { hint: 'the release is switched; fix the service and run `dpl restart`' },
      );
    }
    const info: DeployInfo = { release: target, ref, hosts: t.hosts, strategy: strategyOf(config) };
    await runRunHook(c, 'afterRollback', config.hooks?.afterRollback, info);
    announce(c, 'rollback', `rolled back to ${target}`, { release: target, ref, hosts: t.hosts.map((h) => h.name) });
    return { release: target, from: Object.fromEntries(moving.map((r) => [r.host.name, r.previous])) };
  } finally {
    await releaseLocks(c, t.hosts, t.layouts, lock.token);
  }
}
