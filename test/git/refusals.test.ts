// Every refusal: the right error class and message, and nothing changed in the repo.
import { afterEach, describe, expect, it } from 'vitest';
import { DplError, UsageError } from '../../src/core/errors.js';
import { gitTasks } from '../../src/git/tasks.js';
import type { GitConfig } from '../../src/git/config.js';
import { VERSION_FILE, VERSION_INI, commitFile, fakeContext, git, openSky, runTask, snapshot, write, type Fixture } from './helpers.js';

let fx: Fixture | undefined;
afterEach(() => fx?.cleanup());

interface Expect {
  usage?: boolean;
  message: RegExp;
  hint?: RegExp;
}

/** Run a task that must refuse; compare the repo before and after. */
async function refuses(
  dir: string,
  config: GitConfig,
  ns: 'hotfix' | 'release' | 'version',
  name: string,
  positional: string[],
  expected: Expect,
  named: Record<string, string> = {},
): Promise<void> {
  const before = snapshot(dir);
  const { c } = fakeContext(dir);
  const err = await runTask(gitTasks(config).tasks[ns], name, c, positional, named).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `${ns}.${name} should refuse`).toBeInstanceOf(expected.usage ? UsageError : DplError);
  if (!expected.usage) expect(err).not.toBeInstanceOf(UsageError);
  const e = err as DplError;
  expect(e.exitCode).toBe(expected.usage ? 2 : 1);
  expect(e.message).toMatch(expected.message);
  if (expected.hint) expect(e.hint ?? '').toMatch(expected.hint);
  expect(snapshot(dir)).toEqual(before);
}

const cfg: GitConfig = { versionFile: VERSION_FILE };

describe('refusals leave the repo exactly as it was', () => {
  it('a second hotfix, or a second release, while one is open (as git-flow)', async () => {
    fx = openSky();
    const { work } = fx;
    const { c } = fakeContext(work);
    await runTask(gitTasks(cfg).tasks.hotfix, 'start', c, ['3.0.1']);
    await refuses(work, cfg, 'hotfix', 'start', ['3.0.2'], { message: /refusing to start hotfix 3\.0\.2: hotfix\/3\.0\.1 is not finished yet/, hint: /dpl hotfix\.finish:3\.0\.1/ });
    git(work, 'checkout', '-q', 'develop');
    await runTask(gitTasks(cfg).tasks.release, 'start', c, ['3.1.0']);
    await refuses(work, cfg, 'release', 'start', ['3.2.0'], { message: /release\/3\.1\.0 is not finished yet/, hint: /dpl release\.finish:3\.1\.0/ });
  });

  it('dirty working tree: modified, staged and untracked files', async () => {
    fx = openSky();
    const { work } = fx;
    write(work, 'app.txt', 'changed\n');
    await refuses(work, cfg, 'hotfix', 'start', ['3.0.1'], { message: /not clean:\n\s+M app\.txt/, hint: /stash/ });
    git(work, 'add', 'app.txt');
    await refuses(work, cfg, 'release', 'start', ['3.1.0'], { message: /not clean/ });
    git(work, 'reset', '-q', '--hard');
    write(work, 'notes.txt', 'untracked\n');
    await refuses(work, cfg, 'hotfix', 'start', ['3.0.1'], { message: /\?\? notes\.txt/ });
    await refuses(work, cfg, 'version', 'bump', ['patch'], { message: /not clean/ });
  });

  it('bad version strings are usage errors', async () => {
    fx = openSky();
    const { work } = fx;
    for (const v of ['3.0', 'abc', '3.0.1.2', '03.0.1', '']) {
      await refuses(work, cfg, 'hotfix', 'start', [v], { usage: true, message: /invalid version/ });
    }
    await refuses(work, cfg, 'release', 'finish', ['x.y.z'], { usage: true, message: /invalid version/ });
    await refuses(work, cfg, 'version', 'bump', ['huge'], { usage: true, message: /patch, minor, major or X\.Y\.Z/ });
    await refuses(work, {}, 'version', 'bump', ['patch'], { usage: true, message: /no version file/, hint: /versionFile/ });
  });

  it('version not greater than the current one', async () => {
    fx = openSky();
    const { work } = fx;
    await refuses(work, cfg, 'hotfix', 'start', ['3.0.0'], { message: /tag v3\.0\.0 already exists/ });
    await refuses(work, cfg, 'hotfix', 'start', ['2.9.9'], {
      message: /refusing to start hotfix 2\.9\.9: 2\.9\.9 is lower than the current version 3\.0\.0/,
    });
    git(work, 'checkout', '-q', 'master');
    commitFile(work, VERSION_FILE.path, VERSION_INI.replace('= 3.0.0', '= 3.0.5'), 'version 3.0.5, untagged');
    await refuses(work, cfg, 'hotfix', 'start', ['3.0.5'], {
      message: /3\.0\.5 is the same as the current version 3\.0\.5 \(opensky\/config\/version\.ini on master\)/,
      hint: /dpl hotfix\.start:3\.0\.6/,
    });
    await refuses(work, cfg, 'release', 'start', ['3.0.0-rc.1'], { message: /lower than/, hint: /release\.start:3\.1\.0/ });
    await refuses(work, cfg, 'version', 'bump', ['3.0.5'], { message: /same as the current version/ });
    await refuses(work, cfg, 'version', 'bump', ['v3.0.4'], { message: /lower than the current version 3\.0\.5/ });
    // a stable tag above the file counts too
    git(work, 'tag', 'v3.2.0', 'master');
    await refuses(work, cfg, 'hotfix', 'start', ['3.1.0'], { message: /current version 3\.2\.0 \(highest stable tag v3\.2\.0\)/ });
  });

  it('tag already exists', async () => {
    fx = openSky();
    const { work } = fx;
    git(work, 'tag', '-a', '-m', 'oops', 'v3.0.1', 'master');
    await refuses(work, cfg, 'hotfix', 'start', ['3.0.1'], { message: /tag v3\.0\.1 already exists/, hint: /hotfix\.start:3\.0\.2/ });
    await refuses(work, cfg, 'version', 'bump', ['3.0.1'], { message: /tag v3\.0\.1 already exists/ });
  });

  it('branch already exists, locally or on the remote', async () => {
    fx = openSky();
    const { work } = fx;
    git(work, 'branch', 'hotfix/3.0.1', 'master');
    await refuses(work, cfg, 'hotfix', 'start', ['3.0.1'], {
      message: /branch hotfix\/3\.0\.1 already exists in this repo/,
      hint: /dpl hotfix\.finish:3\.0\.1/,
    });
    git(work, 'push', '-q', 'origin', 'hotfix/3.0.1');
    git(work, 'branch', '-D', 'hotfix/3.0.1');
    await refuses(work, cfg, 'hotfix', 'start', ['3.0.1'], { message: /already exists on origin/ });
  });

  it('missing develop, missing or ambiguous production', async () => {
    fx = openSky();
    const { work } = fx;
    const lonely = fx.clone('lonely');
    await refuses(lonely, cfg, 'hotfix', 'start', ['3.0.1'], {
      message: /the develop branch develop does not exist/,
      hint: /git branch --track develop origin\/develop/,
    });
    await refuses(work, { ...cfg, production: 'prod' }, 'hotfix', 'start', ['3.0.1'], {
      message: /the production branch prod does not exist/,
    });
    git(work, 'branch', 'main', 'master');
    await refuses(work, cfg, 'hotfix', 'start', ['3.0.1'], { message: /both main and master exist/, hint: /production:/ });
    git(work, 'checkout', '-q', 'develop');
    git(work, 'branch', '-D', 'main', 'master');
    await refuses(work, cfg, 'release', 'finish', ['3.1.0'], { message: /no production branch/ });
  });

  it('a merge in progress', async () => {
    fx = openSky();
    const { work } = fx;
    git(work, 'checkout', '-q', '-b', 'a');
    commitFile(work, 'app.txt', 'A\n', 'a');
    git(work, 'checkout', '-q', '-b', 'b', 'master');
    commitFile(work, 'app.txt', 'B\n', 'b');
    expect(() => git(work, 'merge', 'a')).toThrow();
    await refuses(work, cfg, 'hotfix', 'start', ['3.0.1'], {
      message: /a merge is in progress .*unresolved: app\.txt/,
      hint: /git merge --abort/,
    });
  });

  it('finish: no such branch, foreign tag, behind the remote', async () => {
    fx = openSky();
    const { work } = fx;
    await refuses(work, cfg, 'hotfix', 'finish', ['3.0.1'], {
      message: /branch hotfix\/3\.0\.1 does not exist/,
      hint: /dpl hotfix\.start:3\.0\.1/,
    });
    const { c } = fakeContext(work);
    await runTask(gitTasks(cfg).tasks.hotfix, 'start', c, ['3.0.1']);
    git(work, 'tag', '-a', '-m', 'premature', 'v3.0.1', 'master');
    await refuses(work, cfg, 'hotfix', 'finish', ['3.0.1'], { message: /tag v3\.0\.1 already exists on .* which does not contain hotfix\/3\.0\.1/ });
    git(work, 'tag', '-d', 'v3.0.1');

    const other = fx.clone('other');
    commitFile(other, 'other.txt', 'x\n', 'someone else');
    git(other, 'push', '-q', 'origin', 'master');
    git(work, 'fetch', '-q', 'origin');
    await refuses(work, cfg, 'hotfix', 'finish', ['3.0.1'], { message: /master is behind origin\/master/, hint: /pull --ff-only/ }, { push: 'true' });
  });

  it('version.bump on a detached HEAD', async () => {
    fx = openSky();
    const { work } = fx;
    git(work, 'checkout', '-q', '--detach', 'master');
    await refuses(work, cfg, 'version', 'bump', ['patch'], { message: /HEAD is detached/ });
  });
});
