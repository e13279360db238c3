// The OpenSky hotfix story, end to end on real repos, through the task definitions.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gitTasks } from '../../src/git/tasks.js';
import { resolveRef } from '../../src/git/refs.js';
import { describeResolved } from '../../src/git/describe.js';
import { offSchema } from '../helpers/words.js';
import {
  VERSION_FILE,
  VERSION_INI,
  branches,
  commitFile,
  fakeContext,
  git,
  openSky,
  parents,
  runTask,
  tags,
  type Fixture,
} from './helpers.js';

let fx: Fixture | undefined;
afterEach(() => fx?.cleanup());

describe('OpenSky hotfix 3.0.1', () => {
  it('starts, takes a fix, finishes, pushes, and stable resolves to v3.0.1 in a fresh clone', async () => {
    fx = openSky();
    const { work } = fx;
    const tasks = gitTasks({ versionFile: VERSION_FILE }).tasks;
    const { c, logs, events } = fakeContext(work);
    const master0 = git(work, 'rev-parse', 'master');
    const develop0 = git(work, 'rev-parse', 'develop');

    // start: branch off production, version bump in a commit of its own
    git(work, 'checkout', '-q', 'develop');
    const started = await runTask(tasks.hotfix, 'start', c, ['3.0.1']);
    expect(started).toMatchObject({ branch: 'hotfix/3.0.1', base: 'master', previous: '3.0.0' });
    expect(git(work, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('hotfix/3.0.1');
    expect(git(work, 'rev-parse', 'HEAD~1')).toBe(master0);
    expect(git(work, 'log', '-1', '--format=%s')).toBe('Bump version to 3.0.1');
    expect(git(work, 'show', '--name-only', '--format=', 'HEAD')).toBe(VERSION_FILE.path);
    const ini = readFileSync(path.join(work, VERSION_FILE.path), 'utf8');
    expect(ini).toBe(VERSION_INI.replace('opensky.version  = 3.0.0', 'opensky.version  = 3.0.1'));
    expect(logs.join('\n')).toContain('created hotfix/3.0.1 from master');

    // a fix on a side branch, merged into the hotfix branch
    git(work, 'checkout', '-q', '-b', 'fix/login', 'hotfix/3.0.1');
    commitFile(work, 'app.txt', 'line 1\nline 2 fixed\nline 3\n', 'Fix login redirect');
    git(work, 'checkout', '-q', 'hotfix/3.0.1');
    git(work, 'merge', '-q', '--no-ff', '--no-edit', 'fix/login');
    git(work, 'branch', '-q', '-d', 'fix/login');
    const hotfixTip = git(work, 'rev-parse', 'hotfix/3.0.1');

    // finish with push
    const finished = await runTask(tasks.hotfix, 'finish', c, ['3.0.1'], { push: 'true' });
    expect(finished.steps).toEqual([
      'merged hotfix/3.0.1 into master (--no-ff)',
      'tagged master as v3.0.1',
      'merged hotfix/3.0.1 into develop (--no-ff)',
      'deleted branch hotfix/3.0.1',
      'pushed master, develop and v3.0.1 to origin',
    ]);
    expect(parents(work, 'master')).toEqual([master0, hotfixTip]);
    expect(parents(work, 'develop')).toEqual([develop0, hotfixTip]);
    expect(git(work, 'cat-file', '-t', 'v3.0.1')).toBe('tag');
    expect(git(work, 'rev-parse', 'v3.0.1^{commit}')).toBe(git(work, 'rev-parse', 'master'));
    expect(git(work, 'for-each-ref', '--format=%(contents:subject)', 'refs/tags/v3.0.1')).toBe('Hotfix 3.0.1');
    expect(branches(work)).toEqual(['develop', 'master']);
    expect(git(work, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('develop');
    expect(git(work, 'status', '--porcelain')).toBe('');
    expect(finished.pushed).toBe(true);
    // Start and finish are typed events with the fields their lines show.
    expect(events.flatMap((e) => (e.type === 'git.flow' ? [{ ...e, time: undefined }] : []))).toEqual([
      { type: 'git.flow', time: undefined, kind: 'hotfix', version: '3.0.1', state: 'started', branch: 'hotfix/3.0.1', base: 'master' },
      { type: 'git.flow', time: undefined, kind: 'hotfix', version: '3.0.1', state: 'finished', tag: 'v3.0.1', sha: finished.sha, pushed: true },
    ]);
    expect(logs).toContain(`hotfix 3.0.1 finished: v3.0.1 → ${finished.sha.slice(0, 12)} (pushed)`);
    expect(offSchema(events)).toEqual([]);

    // what the remote has
    expect(git(fx.origin, 'rev-parse', 'master')).toBe(git(work, 'rev-parse', 'master'));
    expect(git(fx.origin, 'rev-parse', 'develop')).toBe(git(work, 'rev-parse', 'develop'));
    expect(tags(fx.origin)).toEqual(['v3.0.0', 'v3.0.1']);

    // deploy stable from a fresh clone
    const fresh = fx.clone('fresh');
    const r = await resolveRef(fresh, 'stable');
    expect(r).toMatchObject({ ref: 'stable', kind: 'stable', tag: 'v3.0.1', version: '3.0.1' });
    expect(r.sha).toBe(git(work, 'rev-parse', 'master'));
    expect(r.subject).toBe("Merge branch 'hotfix/3.0.1'");
    expect(describeResolved(r)).toBe(`stable → tag v3.0.1 @ ${r.sha.slice(0, 12)} "Merge branch 'hotfix/3.0.1'"`);
    expect(readFileSync(path.join(fresh, VERSION_FILE.path), 'utf8')).toContain('opensky.version  = 3.0.1\n');
  });

  it('while a release is open, goes into that release instead of develop, which keeps its own version', async () => {
    fx = openSky();
    const { work } = fx;
    const tasks = gitTasks({ versionFile: VERSION_FILE }).tasks;
    const { c } = fakeContext(work);
    git(work, 'checkout', '-q', 'develop');
    await runTask(tasks.release, 'start', c, ['3.1.0']);
    commitFile(work, 'feature.txt', 'new in 3.1\n', 'Feature for 3.1');
    const develop0 = git(work, 'rev-parse', 'develop');
    await runTask(tasks.hotfix, 'start', c, ['3.0.1']);
    commitFile(work, 'app.txt', 'line 1\nline 2 fixed\nline 3\n', 'Fix login redirect');

    const finished = await runTask(tasks.hotfix, 'finish', c, ['3.0.1']);
    expect(finished.steps).toEqual([
      'merged hotfix/3.0.1 into master (--no-ff)',
      'tagged master as v3.0.1',
      'merged hotfix/3.0.1 into release/3.1.0 (--no-ff)',
      `kept release/3.1.0's version in ${VERSION_FILE.path} (the hotfix's bump conflicted with it)`,
      'deleted branch hotfix/3.0.1',
    ]);
    expect(git(work, 'rev-parse', 'develop')).toBe(develop0); // the release carries the fix to develop
    expect(git(work, 'show', 'release/3.1.0:app.txt')).toContain('line 2 fixed');
    expect(git(work, 'show', 'release/3.1.0:feature.txt')).toBe('new in 3.1');
    expect(git(work, 'show', `release/3.1.0:${VERSION_FILE.path}`)).toContain('opensky.version  = 3.1.0');
    expect(git(work, 'show', `master:${VERSION_FILE.path}`)).toContain('opensky.version  = 3.0.1');
    expect(git(work, 'status', '--porcelain')).toBe('');

    // Finishing the release then brings the fix to develop.
    const release = await runTask(tasks.release, 'finish', c, ['3.1.0']);
    expect(release.steps).toContain('merged release/3.1.0 into develop (--no-ff)');
    expect(git(work, 'show', 'develop:app.txt')).toContain('line 2 fixed');
  });

  it('pushes by config default, and deletes the hotfix branch on the remote', async () => {
    fx = openSky();
    const { work } = fx;
    const tasks = gitTasks({ versionFile: VERSION_FILE, push: true }).tasks;
    const { c } = fakeContext(work);
    await runTask(tasks.hotfix, 'start', c, ['3.0.1']);
    git(work, 'push', '-q', '-u', 'origin', 'hotfix/3.0.1');
    const r = await runTask(tasks.hotfix, 'finish', c, ['3.0.1']);
    expect(r.steps).toContain('deleted hotfix/3.0.1 on origin');
    expect(git(fx.origin, 'branch', '--list', 'hotfix/*')).toBe('');
    expect(tags(fx.origin)).toContain('v3.0.1');
  });

  it('does not push unless asked', async () => {
    fx = openSky();
    const { work } = fx;
    const tasks = gitTasks({ versionFile: VERSION_FILE }).tasks;
    const { c } = fakeContext(work);
    const originMaster = git(fx.origin, 'rev-parse', 'master');
    await runTask(tasks.hotfix, 'start', c, ['3.0.1']);
    const r = await runTask(tasks.hotfix, 'finish', c, ['3.0.1']);
    expect(r.pushed).toBe(false);
    expect(git(fx.origin, 'rev-parse', 'master')).toBe(originMaster);
    expect(tags(fx.origin)).toEqual(['v3.0.0']);

    // later: the same command with push=true only pushes
    const again = await runTask(tasks.hotfix, 'finish', c, ['3.0.1'], { push: 'true' });
    expect(again.steps).toEqual(['pushed master, develop and v3.0.1 to origin']);
    expect(tags(fx.origin)).toEqual(['v3.0.0', 'v3.0.1']);
  });

  it('detects main as production and works without a version file', async () => {
    fx = openSky({ production: 'main' });
    const { work } = fx;
    const tasks = gitTasks().tasks;
    const { c } = fakeContext(work);
    const start = await runTask(tasks.hotfix, 'start', c, ['3.0.1']);
    expect(start).toMatchObject({ base: 'main', previous: '3.0.0', bumpCommit: undefined });
    commitFile(work, 'app.txt', 'fixed\n', 'Fix');
    const r = await runTask(tasks.hotfix, 'finish', c, ['v3.0.1']);
    expect(r.tag).toBe('v3.0.1');
    expect(git(work, 'rev-parse', 'v3.0.1^{commit}')).toBe(git(work, 'rev-parse', 'main'));
  });
});
