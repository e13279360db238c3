// The local half of deploy.pending: what lies between the live commit and the target,
// read from the local repository (the one deploy resolves refs in). Read-only git.
import type { PendingCommit, PendingGroup } from '../core/events.js';
import { commitOf, type Repo } from '../git/repo.js';

/** Commits listed per side before "… and N more". */
export const COMMIT_CAP = 20;

/** Where migrations live in the frameworks people deploy (Rails, Django, Knex/Sequelize, Alembic, Prisma). */
export const DEFAULT_MIGRATION_PATHS: readonly string[] = ['db/migrate/', 'migrations/', 'alembic/versions/'];

export type Comparison = Pick<PendingGroup, 'relation' | 'added' | 'addedCount' | 'removed' | 'removedCount' | 'files' | 'migrations' | 'migrationsRemoved' | 'note'>;

/** A file is a migration when a configured path (`db/migrate/`) is its start or follows a `/` in it. */
export function isMigration(file: string, paths: readonly string[]): boolean {
  return paths.some((p) => {
    const dir = p.replace(/^\/+/, '').replace(/\/*$/, '/');
    return file.startsWith(dir) || file.includes(`/${dir}`);
  });
}

// File names as they are (no octal-escaped quoting of non-ASCII names).
const PLAIN = ['-c', 'core.quotepath=off'];

const lines = (out: string | undefined) => (out ?? '').split('\n').filter((l) => l.trim());

async function commits(repo: Repo, range: string[]): Promise<{ list: PendingCommit[]; count: number }> {
  const count = Number(await repo.git(['rev-list', '--count', ...range]));
  if (!count) return { list: [], count: 0 };
  const log = await repo.git(['log', `--max-count=${COMMIT_CAP}`, '--format=%H%x09%s', ...range]);
  const list = lines(log).map((l) => {
    const tab = l.indexOf('\t');
    return { sha: l.slice(0, tab), subject: l.slice(tab + 1) };
  });
  return { list, count };
}

/** live → target. `live` undefined: nothing is live, so everything in the target is new. */
export async function compare(repo: Repo, live: string | undefined, target: string, migrationPaths: readonly string[]): Promise<Comparison> {
  const empty = { added: [], addedCount: 0, removed: [], removedCount: 0, files: 0, migrations: [], migrationsRemoved: [] };
  if (!live) {
    const added = await commits(repo, [target]);
    const files = lines(await repo.git([...PLAIN, 'ls-tree', '-r', '--name-only', target]));
    return { ...empty, relation: 'first', added: added.list, addedCount: added.count, files: files.length, migrations: files.filter((f) => isMigration(f, migrationPaths)) };
  }
  if (live === target) return { ...empty, relation: 'same' };
  if (!(await commitOf(repo, live))) {
    return { ...empty, relation: 'unknown', note: `the live commit ${live.slice(0, 12)} is not in the local repository ${repo.dir}: fetch it (git fetch), or set fetch: true` };
  }
  const [added, removed, changed, newFiles, goneFiles] = await Promise.all([
    commits(repo, [`${live}..${target}`]),
    commits(repo, [`${target}..${live}`]),
    repo.git([...PLAIN, 'diff', '--name-only', live, target]),
    repo.git([...PLAIN, 'diff', '--name-only', '--diff-filter=A', live, target]),
    repo.git([...PLAIN, 'diff', '--name-only', '--diff-filter=D', live, target]),
  ]);
  const relation = !removed.count ? 'ahead' : !added.count ? 'downgrade' : 'diverged';
  return {
    relation,
    added: added.list,
    addedCount: added.count,
    removed: removed.list,
    removedCount: removed.count,
    files: lines(changed).length,
    migrations: lines(newFiles).filter((f) => isMigration(f, migrationPaths)),
    migrationsRemoved: lines(goneFiles).filter((f) => isMigration(f, migrationPaths)),
  };
}
