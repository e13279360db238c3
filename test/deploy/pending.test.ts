// deploy.pending and `confirm: true` environments end to end: the real `dpl` CLI, a
// bare git origin with tags (v1.0.0, v1.1.0, v2.0.0-rc.1), three real sshd hosts.
// Pending reads hosts and changes nothing; a confirmed deploy shows the same summary
// before the lock and asks y/N on a real terminal (python3's pty), refuses without one.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { DplEvent } from '../../src/core/events.js';
import { dplCommand } from '../helpers/cli.js';
import { onPty, type PtyRun } from '../helpers/pty.js';
import { describeBed } from '../support/bed.js';
import { git, gitEnv, type AppRepo } from './fixtures.js';
import { cliProject, deployFixtures, HOSTS, ok, type CliProject } from './cli-project.js';

type PendingEvent = Extract<DplEvent, { type: 'deploy.pending' }>;

/** The deploy.pending events of a --json run. */
function pendingEvents(stdout: string): PendingEvent[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as DplEvent)
    .filter((e): e is PendingEvent => e.type === 'deploy.pending');
}

describeBed('deploy.pending and confirm: true', (bed) => {
  let repo!: AppRepo;
  const { track } = deployFixtures(bed, (r) => (repo = r));
  const sha = (rev: string) => git(repo.work, 'rev-parse', `${rev}^{commit}`);
  /** Targets come from -R web / -H, so one host can be moved alone; `prod` asks before deploys. */
  const project = (name: string): CliProject => {
    const p = track(cliProject(bed, name, `{ repoDir: ${JSON.stringify(repo.work)} }`));
    const file = path.join(p.dir, 'deployfile.ts');
    writeFileSync(file, readFileSync(file, 'utf8').replace('  tasks: {', `  environments: { prod: { hosts: ${JSON.stringify(HOSTS)}, confirm: true } },\n  tasks: {`));
    return p;
  };
  const histories = (p: CliProject) => HOSTS.map((h) => JSON.stringify(p.history(h)));

  it('after v1.0.0: shows v1.0.0 → v1.1.0 commits and changed files for the one group, changing nothing', async () => {
    const p = project('pend-ahead');
    ok(await p.dpl(['-R', 'web', 'deploy:v1.0.0']));
    const before = histories(p);
    const r = await p.dpl(['-R', 'web', 'deploy.pending:v1.1.0']);
    ok(r);
    expect(r.stdout).toContain(`What will ship: v1.1.0 @ ${sha('v1.1.0').slice(0, 12)} "Release 1.1.0"`);
    expect(r.stdout).toMatch(new RegExp(`3 hosts on \\d{8}T\\d{6}Z \\(v1\\.0\\.0 @ ${sha('v1.0.0').slice(0, 12)}\\): web-0, web-1, web-2`));
    expect(r.stdout).toContain('1 commit, 1 file changed');
    expect(r.stdout).toContain(`+ ${sha('v1.1.0').slice(0, 7)} Release 1.1.0`);
    expect(r.stdout).not.toMatch(/DOWNGRADE|no changes|disagree/);
    expect(histories(p)).toEqual(before);
    for (const h of HOSTS) expect(p.locked(h)).toBe(false);

    // --json carries the same as data.
    const j = await p.dpl(['--json', '-R', 'web', 'deploy.pending:v2.0.0-rc.1']);
    ok(j);
    const [e, ...more] = pendingEvents(j.stdout);
    expect(more).toEqual([]);
    expect(e!.target).toMatchObject({ ref: 'v2.0.0-rc.1', tag: 'v2.0.0-rc.1', sha: sha('v2.0.0-rc.1') });
    expect(e!.groups).toHaveLength(1);
    expect(e!.groups[0]).toMatchObject({ hosts: HOSTS, tag: 'v1.0.0', sha: sha('v1.0.0'), relation: 'ahead', addedCount: 2, removedCount: 0, files: 1, migrations: [] });
    expect(e!.groups[0]!.added.map((x) => x.subject)).toEqual(['Release 2.0.0-rc.1', 'Release 1.1.0']);

    // Same commit: nothing new would ship.
    const same = await p.dpl(['-R', 'web', 'deploy.pending:v1.0.0']);
    ok(same);
    expect(same.stdout).toContain('no changes: deploying would ship nothing new');
  });

  it('lists a migration a new tag adds, and caps a long commit list', async () => {
    const p = project('pend-migrate');
    ok(await p.dpl(['-R', 'web', 'deploy:v1.1.0']));
    for (let i = 0; i < 22; i++) repo.release({ [`notes/${i}.txt`]: `${i}\n` }, `Note ${i}`);
    repo.release({ 'db/migrate/20261201_add_fares.sql': 'CREATE TABLE fares (id INTEGER);\n', 'app.txt': 'version 1.2.0\n' }, 'Add fares', 'v1.2.0');
    const r = await p.dpl(['-R', 'web', 'deploy.pending:v1.2.0']);
    ok(r);
    expect(r.stdout).toContain('migrations added: db/migrate/20261201_add_fares.sql');
    // v1.1.0..v1.2.0 holds rc.1, 22 notes and the migration: 24 commits (20 shown); 22 notes, the migration, app.txt.
    expect(r.stdout).toContain('24 commits, 24 files changed');
    expect(r.stdout).toContain('… and 4 more');
    expect(r.stdout.match(/^ {6}\+ /gm)).toHaveLength(20);
  });

  it('warns of a downgrade and shows hosts on different releases as two groups', async () => {
    const p = project('pend-split');
    ok(await p.dpl(['-R', 'web', 'deploy:v1.0.0']));
    ok(await p.dpl(['-H', 'web-0', 'deploy:v1.1.0']));
    const r = await p.dpl(['-R', 'web', 'deploy.pending:v1.0.0']);
    ok(r);
    expect(r.stdout).toContain('the hosts disagree: 2 groups on different releases');
    expect(r.stdout).toMatch(/1 host on \d{8}T\d{6}Z \(v1\.1\.0 @ [0-9a-f]{12}\): web-0\n {4}DOWNGRADE: the target is older than live; deploying would remove 1 commit \(1 file changed\):\n {6}- [0-9a-f]{7} Release 1\.1\.0/);
    expect(r.stdout).toMatch(/2 hosts on \d{8}T\d{6}Z \(v1\.0\.0 @ [0-9a-f]{12}\): web-1, web-2\n {4}no changes: deploying would ship nothing new/);
  });

  it('says it cannot compare when the live commit is not in the local repository', async () => {
    const p = project('pend-unknown');
    const c = repo.release({ 'app.txt': 'unpushed elsewhere\n' }, 'Only on the hosts');
    ok(await p.dpl(['-R', 'web', `deploy:${c}`]));
    // The commit leaves the local repository (it stays on origin, where the hosts got it).
    git(repo.work, 'reset', '-q', '--hard', 'HEAD~1');
    git(repo.work, 'update-ref', 'refs/remotes/origin/main', 'HEAD');
    git(repo.work, 'reflog', 'expire', '--expire=now', '--all');
    git(repo.work, 'gc', '-q', '--prune=now');
    const r = await p.dpl(['-R', 'web', 'deploy.pending:v1.1.0']);
    ok(r);
    expect(r.stdout).toContain(`cannot compare: the live commit ${c.slice(0, 12)} is not in the local repository`);
    git(repo.work, 'push', '-q', '--force', 'origin', 'HEAD:main');
  });

  const runs: PtyRun[] = [];
  afterEach(() => {
    for (const t of runs.splice(0)) t.kill();
  });
  const term = (p: CliProject, args: string[]): PtyRun => {
    const t = onPty(dplCommand(['-F', bed.configFile, ...args]), { cwd: p.dir, env: { ...gitEnv, TERM: 'dumb' }, rows: 40, cols: 160 });
    runs.push(t);
    return t;
  };

  it('confirm: true without a terminal or --yes refuses with exit 2 and changes nothing; --yes deploys after the summary', async () => {
    const p = project('confirm-ci');
    const r = await p.dpl(['prod', 'deploy:v1.0.0']);
    expect(r.code, r.out).toBe(2);
    expect(r.stderr).toContain('refusing to start a deploy to prod without confirmation: there is no terminal to ask on (nothing was changed)');
    expect(r.stderr).toMatch(/--yes/);
    for (const h of HOSTS) {
      expect(p.releases(h)).toEqual([]);
      expect(p.locked(h)).toBe(false);
    }
    const y = await p.dpl(['-y', 'prod', 'deploy:v1.0.0']);
    ok(y);
    expect(y.stdout).toMatch(/What will ship: v1\.0\.0[^\n]*\n {2}3 hosts on nothing live yet: web-0, web-1, web-2\n {4}first deploy: 1 commit, 2 files in the release/);
    expect(y.stdout).toContain('confirmation skipped (--yes)');
    // Shown before the lock is taken.
    expect(y.stdout.indexOf('run: take deploy lock')).toBeGreaterThan(y.stdout.indexOf('confirmation skipped (--yes)'));
    for (const h of HOSTS) expect(readFileSync(path.join(p.paths[h]!, 'current', 'REVISION'), 'utf8').trim()).toBe(sha('v1.0.0'));
  });

  it.runIf(bed.pty)('confirm: true on a terminal: "n" changes nothing (exit 1), "y" deploys', async () => {
    const p = project('confirm-tty');
    ok(await p.dpl(['-R', 'web', 'deploy:v1.0.0']));
    const before = histories(p);
    const no = term(p, ['prod', 'deploy:v1.1.0']);
    await no.expect(/1 commit, 1 file changed[\s\S]*Deploy v1\.1\.0 \([0-9a-f]{12}\) to 3 hosts in prod\? \[y\/N\] $/);
    no.send('n\r');
    expect(await no.exit).toBe(1);
    expect(no.output).toContain('a deploy to prod not confirmed; nothing was changed');
    expect(histories(p)).toEqual(before);
    for (const h of HOSTS) expect(p.locked(h)).toBe(false);

    const yes = term(p, ['prod', 'deploy:v1.1.0']);
    await yes.expect(/\[y\/N\] $/);
    yes.send('y\r');
    expect(await yes.exit, yes.output).toBe(0);
    for (const h of HOSTS) expect(readFileSync(path.join(p.paths[h]!, 'current', 'REVISION'), 'utf8').trim()).toBe(sha('v1.1.0'));
  });
});
