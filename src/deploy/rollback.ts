// `deploy.rollback[:release]`: back to the previous *good* release (never one marked
// failed or rolled back; chosen by name and recorded status, never by mtime), or to
// a named one (also how an old release is re-deployed). The release pipeline with
// prepare skipped: same lock, journal, switch and restart as a deploy, and a failed
// restart is undone like a deploy's (every host back on what it ran before).
// A target older than an applied migration (migrations.ts) is refused unless the
// config's rollbackMigrations hook undoes them first, or allow-schema-ahead=yes.
import type { Context } from '../core/context-types.js';
import { internal } from '../core/internal.js';
import type { ResolvedRef } from '../git/describe.js';
import { DplError, UsageError } from '../core/errors.js';
import { strategyOf, type ReleaseConfig } from './config.js';
import { targetsOf } from './targets.js';
import { previousGood, refOfRelease, statusOf, type HostState } from './history.js';
import { isReleaseName } from './layout.js';
import { errorText, shortSha } from './remote.js';
import { releaseCommand, type TaskCommand } from './task-names.js';
import { describeMigrations, migrationsAhead, recordUndone, type AppliedMigration } from './migrations.js';
import type { Flow } from '../pipeline/flow.js';
import type {} from './events.js'; // the EventMap entries this file emits

export interface RollbackResult {
  release: string;
  /** host → the release it left. */
  from: Record<string, string | undefined>;
}

/** Which release every host goes to; refuses when hosts disagree or the target is bad. */
export function chooseTarget(states: Map<string, HostState>, wanted: string | undefined, force: boolean, cmd: TaskCommand = (t, a = '') => `dpl deploy.${t}${a}`): string {
  const problems: string[] = [];
  if (wanted !== undefined) {
    for (const [host, s] of states) {
      const status = statusOf(s, wanted);
      if (!s.releases.includes(wanted)) problems.push(`${host}: release ${wanted} is not there`);
      else if ((status === 'failed' || status === 'rolled-back' || status === 'prepared') && !force) problems.push(`${host}: release ${wanted} is marked ${status}`);
    }
    if (problems.length) {
      throw new DplError(`cannot roll back to ${wanted}:\n  - ${problems.join('\n  - ')}`, {
        code: 'rollback.impossible',
        hint: problems.some((p) => p.includes('marked')) ? `add force=yes to switch to it anyway (${cmd('rollback', `:${wanted},force=yes`)})` : `see \`${cmd('releases')}\``,
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
  if (problems.length) throw new DplError(`cannot roll back:\n  - ${problems.join('\n  - ')}`, { code: 'rollback.impossible', hint: `see \`${cmd('releases')}\`` });
  const distinct = [...new Set(picks.values())];
  if (distinct.length > 1) {
    throw new DplError(
      `the hosts do not agree on the previous good release:\n  - ${[...picks].map(([h, r]) => `${h}: ${r}`).join('\n  - ')}`,
      { code: 'rollback.impossible', hint: `name the release for every host: ${cmd('rollback', `:${distinct.sort()[0]}`)}` },
    );
  }
  return distinct[0]!;
}

/**
 * The migrations a rollback to `target` leaves ahead of its code; throws (exit 1, nothing
 * changed) when some are and neither a rollbackMigrations hook nor allow-schema-ahead is given.
 */
export function checkSchema(states: Map<string, HostState>, target: string, o: { hook: boolean; allowSchemaAhead: boolean; cmd: TaskCommand }): AppliedMigration[] {
  const ahead = migrationsAhead(states.values(), target);
  if (!ahead.length || o.hook || o.allowSchemaAhead) return ahead;
  throw new DplError(`cannot roll back to ${target}: newer releases applied migrations it does not know:\n  - ${describeMigrations(ahead)}`, {
    code: 'rollback.migrations',
    hint: `undo them first (a rollbackMigrations hook in the config does it as part of the rollback), or leave them applied with ${o.cmd('rollback', `:${target},allow-schema-ahead=yes`)}`,
  });
}

export async function rollback(c: Context, config: ReleaseConfig, wanted: string | undefined, force: boolean, o: { allowSchemaAhead?: boolean } = {}): Promise<RollbackResult> {
  if (wanted !== undefined && !isReleaseName(wanted)) {
    throw new UsageError(`not a release name: ${JSON.stringify(wanted)}`, { code: 'usage.task-args', hint: `release names look like 20261122T153000Z; see \`${releaseCommand(c)('releases')}\`` });
  }
  if (strategyOf(config) === 'pull') {
    throw new UsageError('rollback needs release directories; strategy pull deploys in place', {
      code: 'config.invalid',
      hint: `deploy the previous commit again (\`${releaseCommand(c)('release', ':<sha>')}\`; \`${releaseCommand(c)('releases')}\` lists the SHAs)`,
    });
  }
  const t = targetsOf(c, config, 'rollback');
  if (c.session.flags.dryRun) {
    internal(c).emit('deploy.rollback', { state: 'dry-run' });
    return { release: wanted ?? '', from: {} };
  }
  const [{ runPipeline }, { allAtOnce }, { existingRelease }] = await Promise.all([import('../pipeline/pipeline.js'), import('../pipeline/flow.js'), import('../pipeline/movers.js')]);
  let chosen = wanted ?? '';
  let ahead: AppliedMigration[] = [];
  const hook = config.hooks?.rollbackMigrations;
  const allowSchemaAhead = o.allowSchemaAhead ?? false;
  // The hook runs under the lock, after the target is chosen and before the decision to switch:
  // a failing hook stops the rollback with nothing switched.
  const flow: Flow = {
    ...allAtOnce,
    gates: {
      beforeSwitch: async (run) => {
        if (!ahead.length) return;
        if (allowSchemaAhead || !hook) {
          internal(c).emit('deploy.rollback', { state: 'schema-ahead', release: chosen, migrations: ahead });
          return;
        }
        const undo = [...ahead].reverse();
        internal(c).emit('deploy.rollback', { state: 'undo-migrations', release: chosen, migrations: undo.map((m) => m.name) });
        try {
          await hook(c, { release: chosen, migrations: undo, hosts: run.hosts });
        } catch (e) {
          throw new DplError(`hook rollbackMigrations failed: ${errorText(e)}; nothing was switched (still on ${[...new Set(run.hosts.map((h) => run.states.get(h.name)?.current ?? '-'))].join(', ')})`, { code: 'hook.failed', cause: e });
        }
        await recordUndone(c, t.hosts, run.states, (h) => t.layouts.get(h.name)!.root, chosen, undo.map((m) => m.name), t.size);
      },
    },
  };
  const run = await runPipeline(c, {
    action: 'rollback',
    config,
    hosts: t.hosts,
    layouts: t.layouts,
    size: t.size,
    flow,
    mover: existingRelease,
    lockTarget: `${c.taskName}${wanted ? `:${wanted}` : ''}`,
    explicit: wanted !== undefined,
    target: (states) => {
      chosen = chooseTarget(states, wanted, force, releaseCommand(c));
      ahead = checkSchema(states, chosen, { hook: !!hook, allowSchemaAhead, cmd: releaseCommand(c) });
      const ref = refOfRelease(states.get(t.hosts[0]!.name)!, chosen);
      internal(c).emit('deploy.rollback', { state: 'target', release: chosen, ...refFields(ref), hosts: t.hosts.map((h) => h.name) });
      return { release: chosen, ref };
    },
  });
  if (!run) return { release: chosen, from: {} };
  return { release: run.name, from: Object.fromEntries(run.relsOf(run.hosts).map((r) => [r.host.name, r.previous])) };
}

/** What the rollback target was deployed from, when its history says. */
function refFields(ref: ResolvedRef): { ref?: string; tag?: string; sha?: string } {
  return ref.sha ? { ref: ref.ref, ...(ref.tag ? { tag: ref.tag } : {}), sha: ref.sha } : {};
}
