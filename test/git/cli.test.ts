// The git tasks through the real CLI (bin/dpl.js): a deployfile in a working clone
// spreads gitTasks({...}); exit 2 for usage errors, 1 for refusals, hints on stderr.
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dpl as runDpl } from '../helpers/cli.js';
import { VERSION_FILE, commitFile, git, gitEnv, openSky, snapshot, tags, write, type Fixture } from './helpers.js';

// gitTasks reaches deployfiles through the API bundle (src/api.ts → dist/bundle/api.js).
const API = path.resolve(import.meta.dirname, '../../dist/bundle/api.js');
const apiHasGitTasks = existsSync(API) && 'gitTasks' in (await import(pathToFileURL(API).href));

const DEPLOYFILE = `
import { deployfile, gitTasks } from 'dpl-deploy';
export default deployfile({
  tasks: {
    ...gitTasks({ versionFile: ${JSON.stringify(VERSION_FILE)} }).tasks,
  },
});
`;

let fx: Fixture;
let work: string;
const dpl = (...args: string[]) => runDpl(args, { cwd: work, env: gitEnv });

describe.skipIf(!apiHasGitTasks)('git tasks through bin/dpl.js', () => {
  beforeAll(() => {
    fx = openSky();
    work = fx.work;
    // The deployfile lives in the repo on both branches; dpl's cache is ignored.
    git(work, 'checkout', '-q', 'master');
    write(work, '.gitignore', '.dpl/\n');
    git(work, 'add', '.gitignore');
    commitFile(work, 'deployfile.ts', DEPLOYFILE, 'Add deployfile');
    git(work, 'checkout', '-q', 'develop');
    git(work, 'merge', '-q', '--ff-only', 'master');
  });
  afterAll(() => fx?.cleanup());

  it('lists the tasks', () => {
    const r = dpl('--list');
    expect(r.code).toBe(0);
    for (const name of ['hotfix.start', 'hotfix.finish', 'release.start', 'release.finish', 'version.bump', 'version.show']) {
      expect(r.stdout).toContain(name);
    }
  });

  it('a bad version is a usage error (exit 2) and changes nothing', () => {
    const before = snapshot(work);
    const r = dpl('hotfix.start:3.0');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid version "3\.0": expected a semantic version like 3\.0\.1/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(snapshot(work)).toEqual(before);
  });

  it('hotfix.start:3.0.1 branches off master and bumps version.ini', () => {
    const r = dpl('hotfix.start:3.0.1');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/created hotfix\/3\.0\.1 from master/);
    expect(r.stdout).toMatch(/opensky\.version 3\.0\.0 → 3\.0\.1/);
    expect(git(work, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('hotfix/3.0.1');
    expect(git(work, 'show', 'HEAD:opensky/config/version.ini')).toContain('opensky.version  = 3.0.1');
  });

  it('refusals exit 1 with a hint and change nothing', () => {
    let before = snapshot(work);
    let r = dpl('hotfix.start:3.0.1');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/dpl: error: .*branch hotfix\/3\.0\.1 already exists/);
    expect(r.stderr).toMatch(/dpl: hint: finish it with `dpl hotfix\.finish:3\.0\.1`/);
    expect(snapshot(work)).toEqual(before);

    write(work, 'scratch.txt', 'wip\n');
    before = snapshot(work);
    r = dpl('hotfix.finish:3.0.1');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not clean:\n.*\?\? scratch\.txt/);
    expect(r.stderr).toMatch(/dpl: hint: commit or stash/);
    expect(snapshot(work)).toEqual(before);
    rmSync(path.join(work, 'scratch.txt'));
  });

  it('hotfix.finish:3.0.1,push=true merges, tags, deletes and pushes', () => {
    commitFile(work, 'app.txt', 'line 1\nline 2 fixed\nline 3\n', 'Fix login redirect');
    const r = dpl('hotfix.finish:3.0.1,push=true');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/merged hotfix\/3\.0\.1 into master/);
    expect(r.stdout).toMatch(/pushed master, develop and v3\.0\.1 to origin/);
    expect(tags(fx.origin)).toEqual(['v3.0.0', 'v3.0.1']);
    expect(git(work, 'branch', '--list', 'hotfix/*')).toBe('');
  });

  it('version.resolve and version.show print what they found', () => {
    const sha = git(work, 'rev-parse', 'v3.0.1^{commit}');
    let r = dpl('version.resolve:stable');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`resolved stable → tag v3.0.1 @ ${sha.slice(0, 12)} "Merge branch 'hotfix/3.0.1'"`);
    r = dpl('version.show');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/opensky\.version = 3\.0\.1/);
    expect(r.stdout).toMatch(/stable tag: v3\.0\.1, latest tag: v3\.0\.1/);
  });

  it('a conflict on finish says which files and how to continue; the re-run completes', () => {
    git(work, 'checkout', '-q', 'develop');
    commitFile(work, 'app.txt', 'line 1\nline 2 develop\nline 3\n', 'develop change');
    expect(dpl('hotfix.start:3.0.2').code).toBe(0);
    commitFile(work, 'app.txt', 'line 1\nline 2 hotfix 2\nline 3\n', 'second fix');
    let r = dpl('hotfix.finish:3.0.2');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/merging hotfix\/3\.0\.2 into develop stopped on conflicts in: app\.txt/);
    expect(r.stderr).toMatch(/then run `dpl hotfix\.finish:3\.0\.2` again/);
    write(work, 'app.txt', 'line 1\nline 2 both\nline 3\n');
    git(work, 'commit', '-q', '-a', '--no-edit');
    r = dpl('hotfix.finish:3.0.2');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/deleted branch hotfix\/3\.0\.2/);
    expect(tags(work)).toContain('v3.0.2');
  });
});
