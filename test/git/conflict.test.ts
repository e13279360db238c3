// A finish that stops on a merge conflict leaves the repo as git would; after the
// user resolves and commits, the same command carries on. Same for a failed push.
import { renameSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { DplError } from '../../src/core/errors.js';
import { gitTasks } from '../../src/git/tasks.js';
import { VERSION_FILE, branches, commitFile, fakeContext, git, openSky, parents, runTask, tags, write, type Fixture } from './helpers.js';

let fx: Fixture | undefined;
afterEach(() => fx?.cleanup());
const tasks = gitTasks({ versionFile: VERSION_FILE }).tasks;

async function failure(p: Promise<unknown>): Promise<DplError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(DplError);
  return err as DplError;
}

describe('finish after a merge conflict', () => {
  it('conflict merging into develop: stop mid-merge, resolve, re-run continues', async () => {
    fx = openSky();
    const { work } = fx;
    const { c } = fakeContext(work);
    git(work, 'checkout', '-q', 'develop');
    commitFile(work, 'app.txt', 'line 1\nline 2 from develop\nline 3\n', 'develop work');
    await runTask(tasks.hotfix, 'start', c, ['3.0.1']);
    commitFile(work, 'app.txt', 'line 1\nline 2 hotfixed\nline 3\n', 'the fix');
    const hotfixTip = git(work, 'rev-parse', 'HEAD');
    const develop0 = git(work, 'rev-parse', 'develop');

    const err = await failure(runTask(tasks.hotfix, 'finish', c, ['3.0.1']));
    expect(err.message).toMatch(/merging hotfix\/3\.0\.1 into develop stopped on conflicts in: app\.txt/);
    expect(err.message).toMatch(/master is already merged and tagged v3\.0\.1/);
    expect(err.hint).toMatch(/resolve the conflicts, `git add` the files and `git commit`, then run `dpl hotfix\.finish:3\.0\.1` again/);
    // as git leaves it
    expect(git(work, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('develop');
    expect(git(work, 'rev-parse', 'MERGE_HEAD')).toBe(hotfixTip);
    expect(git(work, 'diff', '--name-only', '--diff-filter=U')).toBe('app.txt');
    const taggedAt = git(work, 'rev-parse', 'v3.0.1^{commit}');
    expect(taggedAt).toBe(git(work, 'rev-parse', 'master'));

    // running again before resolving is refused, without touching anything
    const early = await failure(runTask(tasks.hotfix, 'finish', c, ['3.0.1']));
    expect(early.message).toMatch(/a merge is in progress .*unresolved: app\.txt/);
    expect(early.hint).toMatch(/then run `dpl hotfix\.finish:3\.0\.1` again/);
    expect(git(work, 'rev-parse', 'MERGE_HEAD')).toBe(hotfixTip);

    write(work, 'app.txt', 'line 1\nline 2 from develop, hotfixed\nline 3\n');
    git(work, 'add', 'app.txt');
    git(work, 'commit', '-q', '--no-edit');

    const done = await runTask(tasks.hotfix, 'finish', c, ['3.0.1']);
    expect(done.steps).toEqual(['deleted branch hotfix/3.0.1']);
    expect(git(work, 'rev-parse', 'v3.0.1^{commit}')).toBe(taggedAt);
    expect(parents(work, 'develop')).toEqual([develop0, hotfixTip]);
    expect(branches(work)).toEqual(['develop', 'master']);
    expect(git(work, 'status', '--porcelain')).toBe('');
  });

  it('conflict merging a release into production: nothing tagged until resolved', async () => {
    fx = openSky();
    const { work } = fx;
    const { c } = fakeContext(work);
    await runTask(tasks.release, 'start', c, ['3.1.0']);
    commitFile(work, 'app.txt', 'line 1\nline 2 release\nline 3\n', 'release work');
    git(work, 'checkout', '-q', 'master');
    commitFile(work, 'app.txt', 'line 1\nline 2 emergency\nline 3\n', 'emergency fix straight on master');
    git(work, 'checkout', '-q', 'release/3.1.0');

    const err = await failure(runTask(tasks.release, 'finish', c, ['3.1.0']));
    expect(err.message).toMatch(/merging release\/3\.1\.0 into master stopped on conflicts in: app\.txt/);
    expect(err.message).toMatch(/nothing is merged or tagged yet/);
    expect(err.hint).toMatch(/dpl release\.finish:3\.1\.0/);
    expect(tags(work)).toEqual(['v3.0.0']);

    write(work, 'app.txt', 'line 1\nline 2 release + emergency\nline 3\n');
    git(work, 'commit', '-q', '-a', '--no-edit');
    const done = await runTask(tasks.release, 'finish', c, ['3.1.0']);
    expect(done.steps).toEqual([
      'tagged master as v3.1.0',
      'merged release/3.1.0 into develop (--no-ff)',
      'deleted branch release/3.1.0',
    ]);
    expect(git(work, 'rev-parse', 'v3.1.0^{commit}')).toBe(git(work, 'rev-parse', 'master'));
  });

  it('a failed push: the local finish stands and push=true again only pushes', async () => {
    fx = openSky();
    const { work, origin } = fx;
    const { c } = fakeContext(work);
    await runTask(tasks.hotfix, 'start', c, ['3.0.1']);
    renameSync(origin, `${origin}.away`);
    const err = await failure(runTask(tasks.hotfix, 'finish', c, ['3.0.1'], { push: 'true' }));
    expect(err.message).toMatch(/pushing master, develop, refs\/tags\/v3\.0\.1 to origin failed/);
    expect(err.hint).toMatch(/run `dpl hotfix\.finish:3\.0\.1 push=true` again/);
    expect(tags(work)).toContain('v3.0.1');
    expect(branches(work)).toEqual(['develop', 'master']);

    renameSync(`${origin}.away`, origin);
    const again = await runTask(tasks.hotfix, 'finish', c, ['3.0.1'], { push: 'true' });
    expect(again.steps).toEqual(['pushed master, develop and v3.0.1 to origin']);
    expect(tags(origin)).toEqual(['v3.0.0', 'v3.0.1']);
  });
});
