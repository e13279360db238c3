// deploy.pending's local half against a real git repository (no hosts): which
// commits, files and migrations lie between a live commit and a target.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRepo, type Repo } from '../../src/git/repo.js';
import { compare, DEFAULT_MIGRATION_PATHS, isMigration } from '../../src/deploy/pending-git.js';
import { appRepo, git, type AppRepo } from './fixtures.js';

describe('pending-git: compare live and target locally', () => {
  let app!: AppRepo;
  let repo!: Repo;
  const sha = (rev: string) => git(app.work, 'rev-parse', `${rev}^{commit}`);
  beforeAll(async () => {
    app = appRepo();
    repo = await openRepo(app.work);
  });
  afterAll(() => app?.cleanup());

  it('matches migration paths at the start of a path or after a slash, not inside a name', () => {
    expect(isMigration('db/migrate/001_init.rb', DEFAULT_MIGRATION_PATHS)).toBe(true);
    expect(isMigration('app/migrations/0003_add_fares.sql', DEFAULT_MIGRATION_PATHS)).toBe(true);
    expect(isMigration('svc/alembic/versions/abc.py', ['alembic/versions'])).toBe(true);
    expect(isMigration('lib/nomigrations/x.sql', DEFAULT_MIGRATION_PATHS)).toBe(false);
    expect(isMigration('db/migrate.rb', DEFAULT_MIGRATION_PATHS)).toBe(false);
  });

  it('first deploy: every commit of the target, its files, and its migrations', async () => {
    const r = await compare(repo, undefined, sha('v1.1.0'), DEFAULT_MIGRATION_PATHS);
    expect(r).toMatchObject({ relation: 'first', addedCount: 2, files: 2, migrations: [] });
    expect(r.added.map((c) => c.subject)).toEqual(['Release 1.1.0', 'Release 1.0.0']);
  });

  it('diverged histories: the commits each side lacks, and migrations the target adds and drops', async () => {
    // A hotfix branch off v1.0.0, local only (release() pushes to main).
    git(app.work, 'checkout', '-q', '-b', 'hotfix', 'v1.0.0');
    mkdirSync(path.join(app.work, 'db/migrate'), { recursive: true });
    writeFileSync(path.join(app.work, 'db/migrate/002_hotfix.sql'), 'x\n');
    writeFileSync(path.join(app.work, 'naïve.txt'), 'é\n');
    git(app.work, 'add', '-A');
    git(app.work, 'commit', '-q', '-m', 'Hotfix with a migration');
    const fix = sha('HEAD');
    git(app.work, 'checkout', '-q', 'main');
    const live = app.release({ 'migrations/003_main.sql': 'y\n' }, 'Main migration');
    const r = await compare(repo, live, fix, DEFAULT_MIGRATION_PATHS);
    expect(r.relation).toBe('diverged');
    expect(r.added.map((c) => c.subject)).toEqual(['Hotfix with a migration']);
    expect(r.removedCount).toBe(3);
    expect(r.migrations).toEqual(['db/migrate/002_hotfix.sql']);
    expect(r.migrationsRemoved).toEqual(['migrations/003_main.sql']);
    // Non-ASCII names come as they are, not octal-quoted: app.txt, the two migrations, naïve.txt.
    expect(r.files).toBe(4);
    const files = await repo.git(['-c', 'core.quotepath=off', 'diff', '--name-only', live, fix]);
    expect(files.split('\n')).toContain('naïve.txt');
  });

  it('same commit: nothing; an unknown live commit: cannot compare, saying how to fix it', async () => {
    expect(await compare(repo, sha('v1.0.0'), sha('v1.0.0'), DEFAULT_MIGRATION_PATHS)).toMatchObject({ relation: 'same', addedCount: 0, files: 0 });
    const r = await compare(repo, 'f'.repeat(40), sha('v1.0.0'), DEFAULT_MIGRATION_PATHS);
    expect(r.relation).toBe('unknown');
    expect(r.note).toMatch(/^the live commit ffffffffffff is not in the local repository .*: fetch it \(git fetch\), or set fetch: true$/);
  });
});
