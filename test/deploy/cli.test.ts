// Release deploys end to end: the real `dpl` CLI, a deployfile using releaseTasks,
// a bare git origin with tags, and three real sshd hosts from the test bed.
import { chmodSync, existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeBed } from '../support/bed.js';
import { git, type AppRepo } from './fixtures.js';
import { cliProject, deployFixtures, HOSTS, ok, until } from './cli-project.js';

describeBed('release deploys through the CLI', (bed) => {
  let repo!: AppRepo;
  const { track } = deployFixtures(bed, (r) => (repo = r));
  const project = (name: string, extra = '') => {
    const p = cliProject(bed, name, `{ repoDir: ${JSON.stringify(repo.work)}, roles: ['web'], ${extra} }`);
    track(p);
    return p;
  };

  it('deploys stable to 3 hosts: release dirs, current, REVISION, shared links, history, mirror', async () => {
    const p = project('clean', `shared: { dirs: ['log'] }`);
    const check = await p.dpl(['deploy.check']);
    ok(check);
    expect(check.stdout.match(/ok: .* writable by dpltest|ok: .* writable by/g)?.length).toBe(3);

    const r = await p.dpl(['deploy:stable']);
    ok(r);
    const sha = git(repo.work, 'rev-parse', 'v1.1.0^{commit}');
    expect(r.stdout).toContain(`resolved stable → tag v1.1.0 @ ${sha.slice(0, 12)} "Release 1.1.0"`);
    for (const h of HOSTS) {
      const [name, ...more] = p.releases(h);
      expect(more).toEqual([]);
      expect(name).toMatch(/^\d{8}T\d{6}Z$/);
      expect(p.current(h)).toBe(name);
      expect(readlinkSync(path.join(p.paths[h]!, 'current'))).toBe(`releases/${name}`);
      const live = path.join(p.paths[h]!, 'current');
      expect(readFileSync(path.join(live, 'REVISION'), 'utf8').trim()).toBe(sha);
      expect(readFileSync(path.join(live, 'app.txt'), 'utf8')).toBe('version 1.1.0\n');
      expect(readlinkSync(path.join(live, 'log'))).toBe(path.join(p.paths[h]!, 'shared', 'log'));
      expect(existsSync(path.join(p.paths[h]!, 'repo', 'HEAD'))).toBe(true);
      expect(p.history(h).map((x) => [x.release, x.status, x.tag, x.sha])).toEqual([
        [name, 'prepared', 'v1.1.0', sha],
        [name, 'deployed', 'v1.1.0', sha],
      ]);
      expect(p.history(h)[1]).toMatchObject({ ref: 'stable', user: expect.any(String), machine: expect.any(String), time: expect.any(String) });
      expect(p.locked(h)).toBe(false);
    }
    const list = await p.dpl(['deploy.releases']);
    ok(list);
    expect(list.stdout).toMatch(/\[web-2\] \* \d{8}T\d{6}Z {2}deployed +v1\.1\.0 @ [0-9a-f]{12} {2}\(current\)/);
  });

  it('switches no host when web-2 fails to prepare (a failing hook, then a read-only releases dir)', async () => {
    const p = project('partial', `hooks: { afterPrepare: async (c, rel) => { if (rel.host.name === process.env.FAIL_ON) await c.run('echo broken install >&2; exit 3'); } }`);
    ok(await p.dpl(['deploy:v1.0.0']));
    const first = p.current('web-0')!;

    const r = await p.dpl(['deploy:v1.1.0'], { FAIL_ON: 'web-2' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/web-2: hook afterPrepare failed: .*exit 3/);
    expect(r.stderr).toContain('broken install');
    expect(r.stderr).toContain('no host was switched');
    for (const h of HOSTS) {
      expect(p.current(h)).toBe(first);
      expect(p.releases(h)).toEqual([first]);
      expect(p.history(h).at(-1)).toMatchObject({ status: 'failed' });
      expect(p.locked(h)).toBe(false);
    }
    expect(p.history('web-2').at(-1)!.reason).toContain('broken install');
    expect(p.history('web-0').at(-1)!.reason).toContain('prepare failed on web-2');

    chmodSync(path.join(p.paths['web-1']!, 'releases'), 0o555);
    try {
      const ro = await p.dpl(['deploy:v1.1.0']);
      expect(ro.code).not.toBe(0);
      expect(ro.stderr).toMatch(/web-1: command exited with code 1: prepare \d{8}T\d{6}Z\n.*mkdir: cannot create directory .*Permission denied/);
    } finally {
      chmodSync(path.join(p.paths['web-1']!, 'releases'), 0o755);
    }
    for (const h of HOSTS) {
      expect(p.current(h)).toBe(first);
      expect(p.releases(h)).toEqual([first]);
      expect(p.locked(h)).toBe(false);
    }
  });

  it('rolls back to the previous good release, past one marked failed', async () => {
    const p = project('rollback', `cleanup: false, hooks: { restart: async (c, rel) => { if (rel.host.name === process.env.FAIL_RESTART && rel.ref.tag === 'v1.1.0') await c.run('exit 4'); } }`);
    ok(await p.dpl(['deploy:v1.0.0']));
    const a = p.current('web-0')!;
    // B goes live, its restart fails on web-1: every host is switched back to A, B is marked failed.
    const b = await p.dpl(['deploy:v1.1.0'], { FAIL_RESTART: 'web-1' });
    expect(b.code).not.toBe(0);
    expect(b.stderr).toContain('every host was switched back');
    for (const h of HOSTS) expect(p.current(h)).toBe(a);
    ok(await p.dpl(['deploy:v2.0.0-rc.1']));
    const [, bName, cName] = p.releases('web-0');
    expect(p.current('web-0')).toBe(cName);
    expect(p.history('web-0').filter((x) => x.release === bName).at(-1)!.status).toBe('failed');

    const back = await p.dpl(['deploy.rollback']);
    ok(back);
    for (const h of HOSTS) {
      expect(p.current(h)).toBe(a);
      expect(p.history(h).filter((x) => x.release === cName).at(-1)!.status).toBe('rolled-back');
      expect(p.history(h).at(-1)).toMatchObject({ release: a, status: 'deployed', action: 'rollback', from: cName });
    }
    // Nothing good is older than A; B (failed) and C (rolled back) need force.
    expect((await p.dpl(['deploy.rollback'])).stderr).toContain('no good release older than');
    expect((await p.dpl([`deploy.rollback:${bName}`])).stderr).toContain(`release ${bName} is marked failed`);
    ok(await p.dpl([`deploy.rollback:${cName},force=yes`]));
    for (const h of HOSTS) expect(p.current(h)).toBe(cName);
  });

  it('cleanup keeps the newest good releases, never current, and explains files it cannot delete', async () => {
    const p = project('cleanup', `cleanup: false`);
    for (const ref of ['v1.0.0', 'v1.1.0', 'v1.0.0', 'v1.1.0']) ok(await p.dpl([`deploy:${ref}`]));
    const all = p.releases('web-0');
    // The app wrote a file as another user (root here) into the oldest release on web-1.
    const foreign = path.join(p.paths['web-1']!, 'releases', all[0]!, 'cache');
    mkdirSync(foreign);
    writeFileSync(path.join(foreign, 'owned-by-root'), 'x');
    chmodSync(foreign, 0o755);

    const r = await p.dpl(['deploy.cleanup:keep=2']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`web-1: could not delete ${all[0]}: files there cannot be deleted by the login user`);
    expect(r.stderr).toContain('Permission denied');
    expect(r.stderr).toContain('deploy.cleanup:sudo=yes');
    for (const h of ['web-0', 'web-2']) expect(p.releases(h)).toEqual(all.slice(2));
    expect(p.releases('web-1')).toEqual([all[0], ...all.slice(2)]);
    expect(p.history('web-1').filter((x) => x.release === all[0]).at(-1)!.status).toBe('failed');
    for (const h of HOSTS) expect(p.locked(h)).toBe(false);

    if (bed.sudo.passwordless) {
      ok(await p.dpl(['deploy.cleanup:keep=2,sudo=yes']));
      expect(p.releases('web-1')).toEqual(all.slice(2));
    }
  });

  it('a second deploy fails fast naming the lock holder; the first finishes', async () => {
    const p = project('race', `hooks: { afterPrepare: async (c) => { await c.run('sleep 8'); } }`);
    const first = p.spawn(['deploy:v1.0.0']);
    let firstExited = false;
    void first.done.then(() => (firstExited = true));
    await until(() => firstExited || (HOSTS.every((h) => p.locked(h)) && first.output().includes('run: sleep 8')), 45_000);
    expect(firstExited, first.output()).toBe(false);
    const second = await p.dpl(['deploy:v1.1.0']);
    // Fails fast: while the first one is still in its 8 s prepare, without waiting for it.
    expect(firstExited).toBe(false);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toMatch(/could not take the deploy lock on web-0 \(the first of 3 hosts in name order; nothing was run on any other host\)/);
    if (p.unified) expect(second.stderr).toContain('dpl: hint: another deploy is running; wait for it.');
    expect(second.stderr).toMatch(new RegExp(`web-0: deploy lock .* is held by \\S+@\\S+ \\(pid ${first.child.pid}, since .*deploy\\.release:v1\\.0\\.0.*, \\d+s old`));
    ok(await first.done);
    for (const h of HOSTS) {
      expect(p.locked(h)).toBe(false);
      expect(p.releases(h)).toHaveLength(1);
    }
  });

  it('Ctrl-C during prepare: no switch, release dirs removed, lock released, non-zero exit', async () => {
    const p = project('sigint', `hooks: { afterPrepare: async (c) => { await c.run('sleep 3'); } }`);
    const run = p.spawn(['deploy:v1.0.0']);
    await until(() => (run.output().match(/run: sleep 3/g)?.length ?? 0) === 3, 45_000);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code).not.toBe(0);
    // The first Ctrl-C lets the running hooks finish, then undoes instead of switching.
    expect(r.stdout).toContain('letting running commands finish');
    expect(r.stdout).not.toMatch(/switch current/);
    expect(r.stdout).toMatch(/remove unswitched release/);
    expect(r.stderr).toMatch(/interrupted during prepare: no host was switched/);
    if (p.unified) expect(r.code).toBe(130);
    for (const h of HOSTS) {
      expect(p.current(h)).toBeUndefined();
      expect(p.releases(h)).toEqual([]);
      expect(p.locked(h)).toBe(false);
      expect(p.history(h).at(-1)).toMatchObject({ status: 'failed', reason: 'interrupted' });
    }
  });
});
