// Installing dpl from git (finding 1: `npm i -g git+…` failed with `tsc: not found`).
// npm clones the repository, runs `prepare` (scripts/prepare.mjs builds dist/) and
// packs the clone. The repository here is a bare copy of this checkout's HEAD
// (committed work only), reached as git+file://, so only npm's registry is needed.
import { existsSync, lstatSync, mkdtempSync, readlinkSync, realpathSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, VERSION, freshProject, npm, run } from './npm.js';

let url = '';
// Installing from git needs this checkout to be one (a CI copy without .git cannot).
const isCheckout = run('git', ['-c', 'safe.directory=*', 'rev-parse', 'HEAD'], ROOT).code === 0;

beforeAll(() => {
  if (!isCheckout) return;
  const bare = join(mkdtempSync(join(tmpdir(), 'dpl-git-')), 'dpl.git');
  for (const [cmd, args, cwd] of [
    ['git', ['init', '-q', '--bare', bare], tmpdir()],
    ['git', ['-c', 'safe.directory=*', 'push', '-q', bare, 'HEAD:refs/heads/main'], ROOT],
    ['git', ['symbolic-ref', 'HEAD', 'refs/heads/main'], bare],
  ] as const) {
    const r = run(cmd, [...args], cwd);
    expect(r.code, r.all).toBe(0);
  }
  url = `git+file://${bare}`;
});

describe.skipIf(!isCheckout)('install from git (skipped outside a git checkout)', () => {
  // npm <= 11 prepares the clone with a global `npm install` (npm/cli#8440); prepare.mjs copes.
  it('npm i -g git+… builds dist/ in the clone and installs a working dpl', () => {
    const prefix = mkdtempSync(join(tmpdir(), 'dpl-git-global-'));
    const r = npm(['install', '-g', '--prefix', prefix, url], tmpdir());
    expect(r.code, r.all).toBe(0);
    expect(r.all).not.toMatch(/tsc: not found/);
    const pkg = join(prefix, 'lib/node_modules/dpl-deploy');
    expect(existsSync(join(pkg, 'dist/bundle/main.js')), 'a real directory, not a link to the deleted clone').toBe(true);
    expect(existsSync(join(pkg, 'node_modules/ssh2/package.json'))).toBe(true);
    expect(readlinkSync(join(prefix, 'bin/dpl'))).toBe('../lib/node_modules/dpl-deploy/bin/dpl.js');
    const v = run(join(prefix, 'bin/dpl'), ['--version'], prefix);
    expect(v.code, v.all).toBe(0);
    expect(v.stdout.trim()).toBe(VERSION);
  }, 900_000);

  it('npm i -D git+… in a project gives npx dpl and the types', () => {
    const app = freshProject('git-local');
    const r = npm(['install', '-D', url], app);
    expect(r.code, r.all).toBe(0);
    expect(existsSync(join(app, 'node_modules/dpl-deploy/dist/api.d.ts'))).toBe(true);
    const v = run('npx', ['dpl', '--version'], app);
    expect(v.code, v.all).toBe(0);
    expect(v.stdout.trim()).toBe(VERSION);
  }, 900_000);

  // prepare.mjs undoes npm's global link only for npm's own temporary clone: a checkout a
  // user installs globally (`npm i -g .`, as `npm link` does) stays linked.
  it('npm i -g CHECKOUT keeps the link to the checkout, and dpl runs from it', () => {
    const checkout = join(mkdtempSync(join(tmpdir(), 'dpl-checkout-')), 'dpl');
    const c = run('git', ['-c', 'safe.directory=*', 'clone', '-q', ROOT, checkout], tmpdir());
    expect(c.code, c.all).toBe(0);
    symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'));
    const prefix = mkdtempSync(join(tmpdir(), 'dpl-checkout-global-'));
    const r = npm(['install', '-g', '--prefix', prefix, checkout], tmpdir());
    expect(r.code, r.all).toBe(0);
    const pkg = join(prefix, 'lib/node_modules/dpl-deploy');
    expect(existsSync(pkg) && lstatSync(pkg).isSymbolicLink(), `${r.all}\nthe link npm made is still there`).toBe(true);
    expect(realpathSync(pkg)).toBe(realpathSync(checkout));
    const v = run(join(prefix, 'bin/dpl'), ['--version'], prefix);
    expect(v.code, v.all).toBe(0);
    expect(v.stdout.trim()).toBe(VERSION);
  }, 900_000);
});
