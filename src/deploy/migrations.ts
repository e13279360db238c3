// Which schema migrations each release applied, kept in the hosts' history.jsonl:
// a once step with `migrations` set gets a record of its own (same release, status
// unchanged) naming the migration files its release added over the previous one;
// a rollback's `rollbackMigrations` hook leaves a record naming what it undid. From
// those, a rollback knows which migrations are newer than its target.
import type { Context } from '../core/context-types.js';
import type { Host } from '../core/host.js';
import { internal } from '../core/internal.js';
import { sh } from '../core/quote.js';
import { DEFAULT_POOL, type HostRelease } from './config.js';
import { appendSnippet, newRecord, statusOf, type HistoryRecord, type HostState } from './history.js';
import { layoutOf } from './layout.js';
import { DEFAULT_MIGRATION_PATHS } from './pending-git.js';
import { errorText, forHosts, runScript, section } from './remote.js';
import type {} from './events.js'; // the EventMap entries this file emits

/** A migration still applied, and the release whose once step applied it. */
export interface AppliedMigration {
  name: string;
  release: string;
}

/** The migration directories of a once step: `true` → the defaults (db/migrate/, migrations/, alembic/versions/). */
export function migrationDirs(setting: boolean | string[] | undefined): string[] {
  if (!setting) return [];
  const dirs = setting === true ? [...DEFAULT_MIGRATION_PATHS] : setting;
  return dirs.map((d) => d.replace(/^\/+/, '').replace(/\/+$/, '')).filter((d) => d && !d.split('/').includes('..'));
}

/** A migration's name: its file name without the extension (`0002_add_fares.sql` → `0002_add_fares`). */
export function migrationName(file: string): string {
  const dot = file.lastIndexOf('.');
  return dot > 0 ? file.slice(0, dot) : file;
}

/** Shell that lists the migration files (regular, not hidden) of a release directory and of the previous one. */
export function listSnippet(dirs: string[], release: string, previous: string | undefined): string {
  const list = (root: string) => dirs.map((d) => sh`for f in ${`${root}/${d}`}/*; do if [ -f "$f" ]; then echo "\${f##*/}"; fi; done`);
  return [`echo '@@DPL new'`, ...list(release), `echo '@@DPL old'`, ...(previous ? list(previous) : []), `echo '@@DPL end'`].join('\n');
}

/** The migrations in `fresh` and not in `old` (by name), in name order. */
export function addedMigrations(fresh: string[], old: string[]): string[] {
  const before = new Set(old.map(migrationName));
  return [...new Set(fresh.map(migrationName))].filter((m) => m && !before.has(m)).sort();
}

/**
 * After a once step with `migrations` ran on `rel`: what its release added over the
 * previous release, recorded in the history of every host of the run. The first
 * release on a host counts every migration it has as its own.
 */
export async function recordApplied(c: Context, step: string, dirs: string[], rel: HostRelease, releases: HostRelease[]): Promise<string[]> {
  if (!dirs.length || rel.strategy === 'pull') return [];
  const layout = layoutOf(rel.deployPath);
  const { stdout } = await runScript(c, rel.host, `${step}: list migrations`, listSnippet(dirs, rel.path, rel.previous ? layout.release(rel.previous) : undefined));
  const lines = (name: string) => (section(stdout, name) ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
  const added = addedMigrations(lines('new'), lines('old'));
  if (!added.length) return [];
  internal(c).emit('deploy.migrations', { host: rel.host.name, step, release: rel.name, migrations: added });
  const fan = await forHosts(c, releases.map((r) => r.host), Math.max(1, c.session.flags.poolSize ?? DEFAULT_POOL), (h) => {
    const r = releases.find((x) => x.host.name === h.name)!;
    const rec = newRecord(r.name, 'prepared', { resolved: r.ref, strategy: r.strategy, action: 'deploy', migrations: added });
    return runScript(c, h, `record migrations of ${r.name}`, appendSnippet(layoutOf(r.deployPath), [rec]));
  }, { interruptible: false });
  for (const f of fan.failed) internal(c).emit('deploy.unrecorded', { host: f.host, what: 'migrations', error: errorText(f.error) });
  return added;
}

/** Collect the migrations once steps record during a run (for a rollout's report), until `stop()`. */
export function watchApplied(c: Context): { list: AppliedMigration[]; stop: () => void } {
  const list: AppliedMigration[] = [];
  const stop = internal(c).runImpl.events.on((e) => {
    if (e.type === 'deploy.migrations') for (const name of e.migrations) list.push({ name, release: e.release });
  });
  return { list, stop };
}

/** Migrations still applied, over every host's history: applied by a release, not undone since. */
export function appliedMigrations(states: Iterable<HostState>): AppliedMigration[] {
  const all = new Map<string, string>();
  for (const s of states) {
    const live = new Map<string, string>();
    for (const r of s.history) {
      for (const m of r.migrations ?? []) if (!live.has(m)) live.set(m, r.release);
      for (const m of r.migrationsUndone ?? []) live.delete(m);
    }
    // The oldest release that applied a migration is the one a rollback must not pass.
    for (const [m, rel] of live) if (!all.has(m) || rel < all.get(m)!) all.set(m, rel);
  }
  return [...all].map(([name, release]) => ({ name, release })).sort((a, b) => a.release.localeCompare(b.release) || a.name.localeCompare(b.name));
}

/** The applied migrations a rollback to `target` would leave ahead of its code: applied by a newer release. */
export function migrationsAhead(states: Iterable<HostState>, target: string): AppliedMigration[] {
  return appliedMigrations(states).filter((m) => m.release > target);
}

/** "0002_add_fares (applied by 20261205T100000Z)", one per line. */
export function describeMigrations(ms: AppliedMigration[]): string {
  return ms.map((m) => `${m.name} (applied by ${m.release})`).join('\n  - ');
}

/** After a rollbackMigrations hook: each host records the migrations undone (on the target release, status unchanged). */
export async function recordUndone(c: Context, hosts: Host[], states: Map<string, HostState>, deployPathOf: (h: Host) => string, target: string, undone: string[], size: number): Promise<void> {
  const fan = await forHosts(c, hosts, size, (h) => {
    const status = statusOf(states.get(h.name) ?? { releases: [], history: [] }, target) ?? 'deployed';
    const rec: HistoryRecord = newRecord(target, status, { action: 'rollback', migrationsUndone: undone });
    return runScript(c, h, `record migrations undone`, appendSnippet(layoutOf(deployPathOf(h)), [rec]));
  }, { interruptible: false });
  for (const f of fan.failed) internal(c).emit('deploy.unrecorded', { host: f.host, what: 'undone-migrations', error: errorText(f.error) });
}
