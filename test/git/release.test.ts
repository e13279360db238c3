// Release start/finish off develop, version.bump and version.show.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gitTasks } from '../../src/git/tasks.js';
import { resolveRef } from '../../src/git/refs.js';
import { VERSION_FILE, VERSION_INI, branches, commitFile, fakeContext, git, openSky, parents, runTask, tags, type Fixture } from './helpers.js';

let fx: Fixture | undefined;
afterEach(() => fx?.cleanup());
const tasks = gitTasks({ versionFile: VERSION_FILE }).tasks;
const ini = (dir: string) => readFileSync(path.join(dir, VERSION_FILE.path), 'utf8');

describe('release flow', () => {
  it('starts off develop with a bump commit, finishes into master and develop, tagged', async () => {
    fx = openSky();
    const { work } = fx;
    const { c, logs } = fakeContext(work);
    git(work, 'checkout', '-q', 'develop');
    commitFile(work, 'feature.txt', 'new feature\n', 'Add feature');
    const develop1 = git(work, 'rev-parse', 'develop');
    const master0 = git(work, 'rev-parse', 'master');

    const s = await runTask(tasks.release, 'start', c, ['3.1.0']);
    expect(s).toMatchObject({ branch: 'release/3.1.0', base: 'develop', previous: '3.0.0', tag: 'v3.1.0' });
    expect(git(work, 'rev-parse', 'release/3.1.0~1')).toBe(develop1);
    expect(git(work, 'log', '-1', '--format=%s', 'release/3.1.0')).toBe('Bump version to 3.1.0');
    expect(ini(work)).toBe(VERSION_INI.replace('= 3.0.0', '= 3.1.0'));
    expect(logs.some((l) => l.includes('finish with `dpl release.finish:3.1.0`'))).toBe(true);

    const releaseTip = git(work, 'rev-parse', 'release/3.1.0');
    const f = await runTask(tasks.release, 'finish', c, ['3.1.0']);
    expect(f.tag).toBe('v3.1.0');
    expect(parents(work, 'master')).toEqual([master0, releaseTip]);
    expect(parents(work, 'develop')).toEqual([develop1, releaseTip]);
    expect(git(work, 'for-each-ref', '--format=%(objecttype) %(contents:subject)', 'refs/tags/v3.1.0')).toBe('tag Release 3.1.0');
    expect(branches(work)).toEqual(['develop', 'master']);
    expect(ini(work)).toContain('opensky.version  = 3.1.0\n');
    expect(logs.join('\n')).toMatch(/release 3\.1\.0 finished: v3\.1\.0 → [0-9a-f]{12}/);
  });

  it('prerelease versions: latest picks the rc, stable stays on the release', async () => {
    fx = openSky();
    const { work } = fx;
    const { c } = fakeContext(work);
    await runTask(tasks.release, 'start', c, ['3.1.0-rc.1']);
    await runTask(tasks.release, 'finish', c, ['3.1.0-rc.1']);
    expect(tags(work)).toEqual(['v3.0.0', 'v3.1.0-rc.1']);
    expect((await resolveRef(work, 'latest')).tag).toBe('v3.1.0-rc.1');
    expect((await resolveRef(work, 'stable')).tag).toBe('v3.0.0');
    // the rc is on production now, so a 3.0.x hotfix would go backwards
    await expect(runTask(tasks.hotfix, 'start', c, ['3.0.1'])).rejects.toThrow(/lower than the current version 3\.1\.0-rc\.1/);
    expect((await runTask(tasks.hotfix, 'start', c, ['3.1.0'])).previous).toBe('3.1.0-rc.1');
  });

  it('uses gitflow names recorded by `git flow init`', async () => {
    fx = openSky();
    const { work } = fx;
    git(work, 'branch', 'prod', 'master');
    git(work, 'branch', 'dev', 'develop');
    git(work, 'config', 'gitflow.branch.master', 'prod');
    git(work, 'config', 'gitflow.branch.develop', 'dev');
    git(work, 'config', 'gitflow.prefix.release', 'rel-');
    const { c } = fakeContext(work);
    const s = await runTask(tasks.release, 'start', c, ['3.1.0']);
    expect(s).toMatchObject({ branch: 'rel-3.1.0', base: 'dev' });
    await runTask(tasks.release, 'finish', c, ['3.1.0']);
    expect(git(work, 'rev-parse', 'v3.1.0^{commit}')).toBe(git(work, 'rev-parse', 'prod'));
    expect(git(work, 'rev-parse', 'master')).toBe(git(work, 'rev-parse', 'v3.0.0^{commit}'));
  });
});

describe('version.bump and version.show', () => {
  it('bumps patch, minor, major and explicit versions, one commit each', async () => {
    fx = openSky();
    const { work } = fx;
    const { c, logs } = fakeContext(work);
    git(work, 'checkout', '-q', 'develop');
    const steps: [string, string][] = [['patch', '3.0.1'], ['minor', '3.1.0'], ['major', '4.0.0'], ['4.2.0-beta.1', '4.2.0-beta.1'], ['v4.2.0', '4.2.0']];
    for (const [to, expected] of steps) {
      const before = git(work, 'rev-parse', 'HEAD');
      const r = await runTask(tasks.version, 'bump', c, [to]);
      expect(r).toMatchObject({ to: expected, branch: 'develop', file: VERSION_FILE.path });
      expect(git(work, 'rev-parse', 'HEAD~1')).toBe(before);
      expect(git(work, 'log', '-1', '--format=%s')).toBe(`Bump version to ${expected}`);
      expect(ini(work)).toBe(VERSION_INI.replace('= 3.0.0', `= ${expected}`));
    }
    expect(logs.at(-1)).toMatch(/opensky\/config\/version\.ini \[parameters\] opensky\.version 4\.2\.0-beta\.1 → 4\.2\.0 on develop/);

    const shown = fakeContext(work);
    const info = await runTask(tasks.version, 'show', shown.c);
    expect(info).toEqual({ file: { path: VERSION_FILE.path, version: '4.2.0' }, stable: 'v3.0.0', latest: 'v3.0.0' });
    expect(shown.logs).toEqual([
      'opensky/config/version.ini [parameters] opensky.version = 4.2.0',
      'stable tag: v3.0.0, latest tag: v3.0.0',
    ]);
    expect(shown.events.filter((e) => e.type === 'git.version')).toMatchObject([
      { file: { describe: 'opensky/config/version.ini [parameters] opensky.version', path: VERSION_FILE.path, version: '4.2.0' }, stable: 'v3.0.0', latest: 'v3.0.0' },
    ]);
  });
});
