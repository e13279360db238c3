// Migration-aware rollback end to end: the real `dpl` CLI, real git tags (v2.0.0 adds
// migrations/0002_add_fares.sql), three real sshd hosts. A once step with `migrations`
// records what its release added; a rollback past it refuses, goes with
// allow-schema-ahead=yes, or runs the rollbackMigrations hook first.
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeBed } from '../support/bed.js';
import { freePort } from '../../src/fleet/net.js';
import type { AppRepo } from './fixtures.js';
import { cliProject, deployFixtures, HOSTS, ok } from './cli-project.js';

const MIGRATE = `once: [{ name: 'migrate', role: 'db', migrations: true, run: async (c) => void (await c.run('ls migrations > .migrated 2>/dev/null || true')) }]`;
// The hook writes what it was asked to undo on the first host, or fails when FAIL_UNDO is set.
const HOOK = `hooks: { rollbackMigrations: async (c, undo) => {
  if (process.env.FAIL_UNDO) throw new Error('down migration 0002 failed');
  await c.on(undo.hosts[0]).run('echo ' + undo.release + ':' + undo.migrations.map((m) => m.name + '@' + m.release).join(',') + ' >> ' + process.env.UNDO_FILE);
} }`;

describeBed('migration-aware rollback through the CLI', (bed) => {
  let repo!: AppRepo;
  const { track } = deployFixtures(bed, (r) => {
    repo = r;
    r.release({ 'app.txt': 'version 2.0.0\n', 'migrations/0002_add_fares.sql': 'CREATE TABLE fares (id INTEGER);\n' }, 'Release 2.0.0', 'v2.0.0');
  });
  const project = (name: string, extra = '', once = MIGRATE) => track(cliProject(bed, name, `{ repoDir: ${JSON.stringify(repo.work)}, roles: ['web'], cleanup: false, ${once}, ${extra} }`));

  /** v1.1.0 (no migrations) then v2.0.0 (adds 0002): returns both release names. */
  async function deployBoth(p: ReturnType<typeof project>): Promise<[string, string]> {
    ok(await p.dpl(['deploy:v1.1.0']));
    const v1 = p.current('web-0')!;
    const r = await p.dpl(['deploy:v2.0.0']);
    ok(r);
    expect(r.stdout).toContain('migrate applied migration 0002_add_fares');
    const v2 = p.current('web-0')!;
    expect(v2 > v1).toBe(true);
    return [v1, v2];
  }

  it('records the migrations a release added, on every host; the first release records none', async () => {
    const p = project('record');
    const [v1, v2] = await deployBoth(p);
    for (const h of HOSTS) {
      const withMigrations = p.history(h).filter((x) => x.migrations);
      expect(withMigrations.map((x) => [x.release, x.status, x.migrations])).toEqual([[v2, 'prepared', ['0002_add_fares']]]);
      expect(p.history(h).some((x) => x.release === v1 && x.migrations)).toBe(false);
      expect(p.history(h).at(-1)).toMatchObject({ release: v2, status: 'deployed' });
    }
    // The once step ran on the db host only.
    expect(existsSync(path.join(p.paths['web-1']!, 'releases', v2, '.migrated'))).toBe(true);
    expect(existsSync(path.join(p.paths['web-0']!, 'releases', v2, '.migrated'))).toBe(false);
  });

  it('refuses a rollback past 0002 with exit 1, listing it, and changes nothing; allow-schema-ahead=yes goes', async () => {
    const p = project('refuse');
    const [v1, v2] = await deployBoth(p);
    const before = Object.fromEntries(HOSTS.map((h) => [h, p.history(h).length]));
    const r = await p.dpl(['deploy.rollback']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot roll back to ${v1}: newer releases applied migrations it does not know`);
    expect(r.stderr).toContain(`0002_add_fares (applied by ${v2})`);
    expect(r.stderr).toContain(`allow-schema-ahead=yes`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    for (const h of HOSTS) {
      expect(p.current(h)).toBe(v2);
      expect(p.history(h).length).toBe(before[h]);
      expect(p.locked(h)).toBe(false);
    }

    const bad = await p.dpl(['deploy.rollback:allow-schema-ahead=maybe']);
    expect(bad.code).toBe(2);

    const go = await p.dpl(['deploy.rollback:allow-schema-ahead=yes']);
    ok(go);
    expect(go.stderr + go.stdout).toContain('they stay applied');
    for (const h of HOSTS) {
      expect(p.current(h)).toBe(v1);
      expect(p.history(h).at(-1)).toMatchObject({ release: v1, status: 'deployed', action: 'rollback' });
      expect(p.history(h).some((x) => x.migrationsUndone)).toBe(false);
    }
  });

  it('runs rollbackMigrations first with [0002]; a failing hook stops the rollback before any switch', async () => {
    const p = project('hook', HOOK);
    const [v1, v2] = await deployBoth(p);
    const undoFile = path.join(p.paths['web-0']!, 'undo.log');
    const before = Object.fromEntries(HOSTS.map((h) => [h, p.history(h).length]));

    const fail = await p.dpl(['deploy.rollback'], { FAIL_UNDO: '1', UNDO_FILE: undoFile });
    expect(fail.code).toBe(1);
    expect(fail.stderr).toContain('hook rollbackMigrations failed: down migration 0002 failed; nothing was switched');
    for (const h of HOSTS) {
      expect(p.current(h)).toBe(v2);
      expect(p.history(h).length).toBe(before[h]);
      expect(p.locked(h)).toBe(false);
    }
    expect(existsSync(undoFile)).toBe(false);

    const r = await p.dpl(['deploy.rollback'], { UNDO_FILE: undoFile });
    ok(r);
    expect(readFileSync(undoFile, 'utf8').trim()).toBe(`${v1}:0002_add_fares@${v2}`);
    for (const h of HOSTS) {
      expect(p.current(h)).toBe(v1);
      const tail = p.history(h).slice(before[h]);
      expect(tail.map((x) => [x.release, x.status, x.migrationsUndone])).toEqual([
        [v1, 'deployed', ['0002_add_fares']],
        [v2, 'rolled-back', undefined],
        [v1, 'deployed', undefined],
      ]);
    }
    // Undone: a rollback to v2 again and back to v1 needs no hook run (nothing ahead any more)...
    ok(await p.dpl([`deploy.rollback:${v2},force=yes`]));
    const again = await p.dpl([`deploy.rollback:${v1},force=yes`], { FAIL_UNDO: '1' });
    ok(again);
    expect(again.stdout + again.stderr).not.toContain('rollbackMigrations');
  });

  it('a canary rollout rolled back after its once step says the migration stays applied', async () => {
    // A /health endpoint at 127.0.0.1 as the hosts see it (the check's stream goes through each host's SSH connection).
    const port = await freePort('127.0.0.1');
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    try {
      // The canary batch is web-0 alone (a once step without a role runs there); its restart fails once.
      const p = project(
        'rollout',
        `rollout: { health: { port: ${port} } }, hooks: { restart: async (c, rel) => { if (process.env.FAIL_RESTART && rel.ref.tag === 'v2.0.0') await c.run('if [ -e ../../restart-failed ]; then exit 0; fi; touch ../../restart-failed; echo app would not start >&2; exit 4'); } }`,
        MIGRATE.replace("role: 'db', ", ''),
      );
      ok(await p.dpl(['deploy:v1.1.0,plan=100%']));
      const v1 = p.current('web-0')!;
      const r = await p.dpl(['deploy:v2.0.0,plan=1;100%'], { FAIL_RESTART: '1' });
      expect(r.code).toBe(1);
      const v2 = p.history('web-0').find((x) => x.migrations)?.release;
      expect(v2, r.stdout + r.stderr).toBeDefined();
      expect(r.stderr).toContain('failed at batch 1/2 (web-0): restart failed');
      expect(r.stderr).toContain('every moved host was rolled back');
      expect(r.stderr.trimEnd().split('\n')).toContain(`migration 0002_add_fares applied by ${v2} stays applied: the old release runs against the new schema`);
      for (const h of HOSTS) expect(p.current(h)).toBe(v1);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
