// resolveRef: stable/latest over semver tags, tags, branches, SHAs, and the remote.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DplError, UsageError } from '../../src/core/errors.js';
import { describeResolved, resolveRef } from '../../src/git/refs.js';
import { gitTasks } from '../../src/git/tasks.js';
import { commitFile, fakeContext, git, openSky, runTask, type Fixture } from './helpers.js';

let fx: Fixture | undefined;
afterEach(() => fx?.cleanup());

/** Tag a new commit on master; annotated unless `light`. */
function release(dir: string, tag: string, light = false): string {
  const sha = commitFile(dir, 'app.txt', `${tag}\n`, `work for ${tag}`);
  if (light) git(dir, 'tag', tag);
  else git(dir, 'tag', '-a', '-m', tag, tag);
  return sha;
}

describe('resolveRef', () => {
  it('stable is the highest non-prerelease semver tag; latest includes prereleases; others ignored', async () => {
    fx = openSky();
    const { work } = fx;
    git(work, 'checkout', '-q', 'master');
    const v310 = release(work, 'v3.1.0', true);
    const v3100 = release(work, 'v3.10.0');
    const rc = release(work, 'v3.11.0-rc.2');
    release(work, 'v3.11.0-rc.10');
    release(work, 'release-9.9.9');
    release(work, 'v9.9');
    release(work, 'vnext');
    release(work, '99.0.0');
    release(work, 'v10.0.0.1');

    const stable = await resolveRef(work, 'stable');
    expect(stable).toMatchObject({ ref: 'stable', kind: 'stable', tag: 'v3.10.0', version: '3.10.0', sha: v3100, subject: 'work for v3.10.0' });
    const latest = await resolveRef(work, 'latest');
    expect(latest).toMatchObject({ kind: 'latest', tag: 'v3.11.0-rc.10' });
    expect(latest.sha).not.toBe(rc);
    expect((await resolveRef(work, 'v3.1.0')).sha).toBe(v310);

    // another prefix: only its tags count
    expect(await resolveRef(work, 'stable', { tagPrefix: '' })).toMatchObject({ tag: '99.0.0' });
    expect(await resolveRef(work, 'stable', { tagPrefix: 'release-' })).toMatchObject({ tag: 'release-9.9.9' });
  });

  it('tags, version shorthand, branches and SHAs', async () => {
    fx = openSky();
    const { work } = fx;
    const v300 = git(work, 'rev-parse', 'v3.0.0^{commit}');
    expect(await resolveRef(work, 'v3.0.0')).toMatchObject({ kind: 'tag', tag: 'v3.0.0', version: '3.0.0', sha: v300 });
    expect(await resolveRef(work, '3.0.0')).toMatchObject({ ref: '3.0.0', kind: 'tag', tag: 'v3.0.0', sha: v300 });

    git(work, 'checkout', '-q', 'develop');
    const dev = commitFile(work, 'dev.txt', 'd\n', 'develop work');
    expect(await resolveRef(work, 'develop')).toMatchObject({ kind: 'branch', branch: 'develop', sha: dev, subject: 'develop work' });

    const short = dev.slice(0, 7);
    const bySha = await resolveRef(work, short);
    expect(bySha).toMatchObject({ ref: short, kind: 'sha', sha: dev });
    expect(describeResolved(bySha)).toBe(`commit ${short} @ ${dev.slice(0, 12)} "develop work"`);
    expect(describeResolved(await resolveRef(work, 'develop'))).toBe(`branch develop @ ${dev.slice(0, 12)} "develop work"`);
    expect(describeResolved(await resolveRef(work, '3.0.0'))).toBe(`3.0.0 → tag v3.0.0 @ ${v300.slice(0, 12)} "OpenSky 3.0.0"`);
  });

  it('refuses unknown refs, option-looking refs, and stable without tags', async () => {
    fx = openSky();
    const { work } = fx;
    await expect(resolveRef(work, 'nope')).rejects.toThrow(/cannot resolve "nope" .*no such tag, branch or commit/);
    await expect(resolveRef(work, '--output=/tmp/x')).rejects.toBeInstanceOf(UsageError);
    await expect(resolveRef(work, '')).rejects.toBeInstanceOf(UsageError);
    git(work, 'tag', '-d', 'v3.0.0');
    const err = await resolveRef(work, 'stable').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DplError);
    expect((err as DplError).message).toMatch(/no stable version tag \(vX\.Y\.Z\)/);
    git(work, 'tag', 'v3.1.0-rc.1');
    await expect(resolveRef(work, 'stable')).rejects.toMatchObject({ hint: expect.stringMatching(/only prerelease tags exist \(v3\.1\.0-rc\.1\)/) });
  });

  it('resolves against the remote when asked: fetches tags and prefers remote branches', async () => {
    fx = openSky();
    const { work } = fx;
    const other = fx.clone('other');
    const v301 = release(other, 'v3.0.1');
    git(other, 'push', '-q', 'origin', 'master', 'v3.0.1');

    expect((await resolveRef(work, 'stable')).tag).toBe('v3.0.0');
    expect((await resolveRef(work, 'master')).sha).not.toBe(v301);
    const remoteStable = await resolveRef(work, 'stable', { fetch: true });
    expect(remoteStable).toMatchObject({ tag: 'v3.0.1', sha: v301 });
    expect(await resolveRef(work, 'master', { fetch: true })).toMatchObject({ kind: 'branch', branch: 'origin/master', sha: v301 });
    expect(describeResolved(await resolveRef(work, 'master', { fetch: true }))).toMatch(/^master → branch origin\/master @/);

    await expect(resolveRef(work, 'stable', { fetch: true, remote: 'upstream' })).rejects.toThrow(/no remote named upstream/);
  });

  it('a tag or stable resolves with its subject in one git process after the repository check (a deploy’s lock waits for it); a tag of a tree still says so', async () => {
    fx = openSky();
    const { work } = fx;
    git(work, 'checkout', '-q', 'master');
    const sha = release(work, 'v4.0.0');
    git(work, 'tag', 'tree-tag', 'HEAD^{tree}');
    // Every git process counted by a wrapper first on PATH (simple-git runs `git` from PATH).
    const bin = path.join(fx.tmp, 'bin');
    const counted = path.join(fx.tmp, 'git-calls');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'git'), `#!/bin/sh\necho "$*" >> ${counted}\nexec ${execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim()} "$@"\n`, { mode: 0o755 });
    const before = process.env['PATH'];
    process.env['PATH'] = `${bin}:${before}`;
    const calls = () => (existsSync(counted) ? readFileSync(counted, 'utf8').trim().split('\n') : []);
    try {
      for (const ref of ['v4.0.0', '4.0.0', 'stable']) {
        rmSync(counted, { force: true });
        expect(await resolveRef(work, ref)).toMatchObject({ sha, subject: 'work for v4.0.0', tag: 'v4.0.0' });
        expect(calls(), ref).toHaveLength({ 'v4.0.0': 2, '4.0.0': 4, stable: 3 }[ref]!);
      }
      await expect(resolveRef(work, 'tree-tag')).rejects.toThrow(/tag tree-tag in .* does not point at a commit/);
    } finally {
      process.env['PATH'] = before;
    }
  });

  it('version.resolve reports what it resolved as a typed event and its line', async () => {
    fx = openSky();
    const { work } = fx;
    const { c, logs, events } = fakeContext(work);
    const r = await runTask(gitTasks({}).tasks.version, 'resolve', c, []);
    expect(r).toMatchObject({ kind: 'stable', tag: 'v3.0.0' });
    expect(logs).toEqual([`resolved stable → tag v3.0.0 @ ${r.sha.slice(0, 12)} "OpenSky 3.0.0"`]);
    expect(events.filter((e) => e.type === 'git.resolved')).toMatchObject([{ ref: 'stable', kind: 'stable', tag: 'v3.0.0', sha: r.sha, subject: 'OpenSky 3.0.0' }]);
    expect(events.some((e) => e.type === 'log')).toBe(false);
  });
});
