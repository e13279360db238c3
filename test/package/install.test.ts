// The package as a new user gets it: `npm pack` of this checkout (dist/ built by
// `npm test`), installed into fresh directories outside the repo, the README's way:
// `npm i -D dpl-deploy` + `npx dpl`, and `npm i -g` + `dpl`.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, VERSION, freshProject, npm, run, tsc, typedDeployfile, userEnv } from './npm.js';

let tarball = '';

beforeAll(() => {
  expect(existsSync(join(ROOT, 'dist/bundle/main.js')), 'dist/ is built (npm run build)').toBe(true);
  const out = mkdtempSync(join(tmpdir(), 'dpl-pack-'));
  // dist/ is already built: no prepare (a second build) while packing.
  const r = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', out], ROOT);
  expect(r.code, r.all).toBe(0);
  tarball = join(out, (JSON.parse(r.stdout) as { filename: string }[])[0]!.filename);
}, 300_000);

describe('npm pack', () => {
  it('holds the launcher, the bundle and the types, and no sources, tests or snapshot', () => {
    const files = run('tar', ['tzf', tarball], ROOT).stdout.split('\n');
    expect(files).toEqual(expect.arrayContaining(['package/bin/dpl.js', 'package/dist/bundle/main.js', 'package/dist/bundle/api.js', 'package/dist/api.d.ts', 'package/package.json']));
    expect(files.filter((f) => /^package\/(src|test|scripts|node_modules)\/|\.blob$|^package\/bin\/dpl$/.test(f))).toEqual([]);
  });
});

describe('npm i -D, in a fresh project (README quick start)', () => {
  let app = '';
  beforeAll(() => {
    app = freshProject('local');
    const r = npm(['install', '-D', tarball], app);
    expect(r.code, r.all).toBe(0);
  }, 600_000);

  it('npx dpl --version and --help', () => {
    const v = run('npx', ['dpl', '--version'], app);
    expect(v.code, v.all).toBe(0);
    expect(v.stdout.trim()).toBe(VERSION);
    const h = run('npx', ['dpl', '--help'], app);
    expect(h.code, h.all).toBe(0);
    expect(h.stdout).toMatch(/^Usage: dpl /m);
  });

  it('npx dpl init writes a deployfile that npx dpl --list loads', () => {
    const init = run('npx', ['dpl', 'init'], app);
    expect(init.code, init.all).toBe(0);
    expect(existsSync(join(app, 'deployfile.ts')), init.all).toBe(true);
    const list = run('npx', ['dpl', '--list'], app);
    expect(list.code, list.all).toBe(0);
    expect(list.stdout).toMatch(/^Tasks:/m);
  });

  it("types: tsc resolves `from 'dpl-deploy'`, and a typo in the deployfile is an error", () => {
    typedDeployfile(app);
    const ok = tsc(app);
    expect(ok.code, ok.all).toBe(0);
    typedDeployfile(app, 'await c.runn("uptime");');
    const bad = tsc(app);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toMatch(/deployfile\.ts\(\d+,\d+\): error TS2551: Property 'runn' does not exist/);
    typedDeployfile(app);
  });

  it('dpl-deploy/testing, the public test entry, loads from the installed package', () => {
    const r = run(process.execPath, ['--input-type=module', '-e', "const t = await import('dpl-deploy/testing'); console.log(typeof t.startFleet)"], app);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout.trim()).toBe('function');
  });

  it('npx dpl --list and a dry run load the typed deployfile', () => {
    typedDeployfile(app);
    const list = run('npx', ['dpl', '--list'], app);
    expect(list.code, list.all).toBe(0);
    expect(list.stdout).toMatch(/hello\s+Say hello/);
    const dry = run('npx', ['dpl', '-H', 'web', 'hello', '--dry-run'], app);
    expect(dry.code, dry.all).toBe(0);
  });
});

describe('npm i -g (a prefix of its own)', () => {
  let prefix = '';
  beforeAll(() => {
    prefix = mkdtempSync(join(tmpdir(), 'dpl-global-'));
    const r = npm(['install', '-g', '--prefix', prefix, tarball], tmpdir());
    expect(r.code, r.all).toBe(0);
  }, 600_000);

  it('puts a working dpl on PATH', () => {
    const dpl = join(prefix, 'bin/dpl');
    expect(run(dpl, ['--version'], prefix).stdout.trim()).toBe(VERSION);
    const h = run(dpl, ['--help'], prefix);
    expect(h.code, h.all).toBe(0);
    expect(h.stdout).toMatch(/^Usage: dpl /m);
  });

  it("runs a project's deployfile with nothing installed in the project", () => {
    const dir = freshProject('global');
    typedDeployfile(dir);
    const env = { PATH: `${join(prefix, 'bin')}${delimiter}${userEnv()['PATH']}` };
    const list = run('dpl', ['--list'], dir, { env });
    expect(list.code, list.all).toBe(0);
    expect(list.stdout).toMatch(/hello\s+Say hello/);
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
    expect(readFileSync(join(prefix, 'lib/node_modules/dpl-deploy/package.json'), 'utf8')).toContain(`"version": "${VERSION}"`);
  });
});
