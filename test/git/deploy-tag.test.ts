// Date tags on deployed commits.
import { afterEach, describe, expect, it } from 'vitest';
import { DplError, UsageError } from '../../src/core/errors.js';
import { createDeployTag, deployStamp } from '../../src/git/deploy-tag.js';
import { commitFile, git, openSky, tags, type Fixture } from './helpers.js';

let fx: Fixture | undefined;
afterEach(() => fx?.cleanup());
const now = new Date('2026-11-22T15:30:42.123Z');

describe('createDeployTag', () => {
  it('stamps minutes in UTC', () => {
    expect(deployStamp(now)).toBe('2026-11-22T15.30Z');
    expect(deployStamp(new Date('2026-01-02T03:04:59+02:00'))).toBe('2026-01-02T01.04Z');
  });

  it('tags the deployed commit (annotated) and pushes it when asked', async () => {
    fx = openSky();
    const { work, origin } = fx;
    const sha = git(work, 'rev-parse', 'v3.0.0^{commit}');
    const r = await createDeployTag(work, { environment: 'production', sha: 'v3.0.0', push: true, now });
    expect(r).toEqual({ tag: 'deploy/production/2026-11-22T15.30Z', sha, created: true, pushed: true });
    expect(git(work, 'cat-file', '-t', r.tag)).toBe('tag');
    expect(git(work, 'rev-parse', `${r.tag}^{commit}`)).toBe(sha);
    expect(git(work, 'for-each-ref', '--format=%(contents:subject)', `refs/tags/${r.tag}`)).toBe(
      'Deployed to production at 2026-11-22T15:30:42.123Z',
    );
    expect(tags(origin)).toContain(r.tag);

    // the same call again reuses the tag; another commit in the same minute gets -2
    expect(await createDeployTag(work, { environment: 'production', sha, now })).toMatchObject({ tag: r.tag, created: false, pushed: false });
    const next = commitFile(work, 'app.txt', 'next\n', 'next');
    expect((await createDeployTag(work, { environment: 'production', sha: next, now })).tag).toBe(`${r.tag}-2`);
    // deploy tags are not version tags
    const { resolveRef } = await import('../../src/git/refs.js');
    expect((await resolveRef(work, 'stable')).tag).toBe('v3.0.0');
  });

  it('refuses bad environments and unknown commits, and reports a failed push', async () => {
    fx = openSky();
    const { work, tmp } = fx;
    await expect(createDeployTag(work, { environment: 'prod env', sha: 'HEAD', now })).rejects.toBeInstanceOf(UsageError);
    await expect(createDeployTag(work, { environment: '../x', sha: 'HEAD', now })).rejects.toBeInstanceOf(UsageError);
    await expect(createDeployTag(work, { environment: 'staging', sha: 'deadbeef', now })).rejects.toThrow(/is not a commit/);
    expect(tags(work)).toEqual(['v3.0.0']);

    git(work, 'remote', 'set-url', 'origin', `${tmp}/missing.git`);
    const err = await createDeployTag(work, { environment: 'staging', sha: 'HEAD', now, push: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DplError);
    expect((err as DplError).message).toMatch(/deploy tag deploy\/staging\/2026-11-22T15\.30Z was created but pushing it to origin failed/);
    expect((err as DplError).hint).toMatch(/git push origin refs\/tags\/deploy\/staging/);
  });
});
