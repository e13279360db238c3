// Strategy upload on the sshd bed, driven in-process with the real ssh2 pool: a
// re-deploy ships only what changed (hard links for the rest, counted in the
// `deploy.upload` events), the release is the same tree a full upload makes
// (hashed on the host), the live release is never touched, and a missing or
// damaged manifest means a full upload.
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deployfile } from '../../src/core/deployfile.js';
import type { DplEvent } from '../../src/core/events.js';
import { releaseTasks, type ReleaseConfig } from '../../src/deploy/tasks.js';
import { createSshPool } from '../../src/ssh/pool.js';
import { harness } from '../helpers/in-process.js';
import { bedHost, bedPool, describeBed, type BedInfo } from '../support/bed.js';
import { appRepo, openTmp, type AppRepo } from './fixtures.js';
import { shownLines } from './in-process.js';

const HOSTS = ['web-0', 'web-1', 'web-2'];
const FILES = 100;
/** Regular files besides the 100: run, spaces, newline, unicode, the long name, secret.env, frozen.txt. */
const OTHERS = 7;
const fileOf = (i: number) => path.join('lib', `pkg-${i % 7}`, i % 2 ? 'sub dir' : '', `m-${i}.bin`);
type Upload = Extract<DplEvent, { type: 'deploy.upload' }>;

/** The build: 100 incompressible 8 KiB files and every kind of entry and name an upload must get right. */
function makeBuild(dir: string): void {
  for (let i = 0; i < FILES; i++) {
    const f = path.join(dir, fileOf(i));
    mkdirSync(path.dirname(f), { recursive: true });
    writeFileSync(f, randomBytes(8192));
  }
  mkdirSync(path.join(dir, 'bin'));
  writeFileSync(path.join(dir, 'bin', 'run'), '#!/bin/sh\necho run\n', { mode: 0o755 });
  writeFileSync(path.join(dir, 'name with spaces.txt'), 'spaces\n');
  writeFileSync(path.join(dir, 'new\nline.txt'), 'newline\n');
  writeFileSync(path.join(dir, 'ünïcödé.txt'), 'unicode\n');
  const deep = path.join(dir, 'deep', 'a'.repeat(60), 'b'.repeat(60));
  mkdirSync(deep, { recursive: true });
  writeFileSync(path.join(deep, `${'c'.repeat(90)}.txt`), 'a name longer than 100 bytes\n');
  mkdirSync(path.join(dir, 'empty'));
  writeFileSync(path.join(dir, 'secret.env'), 'KEY=1\n', { mode: 0o600 });
  mkdirSync(path.join(dir, 'ro'));
  writeFileSync(path.join(dir, 'ro', 'frozen.txt'), 'read only\n');
  chmodSync(path.join(dir, 'ro', 'frozen.txt'), 0o444);
  chmodSync(path.join(dir, 'ro'), 0o555);
  symlinkSync('lib/pkg-1/sub dir/m-1.bin', path.join(dir, 'latest'));
  symlinkSync('/nonexistent/target', path.join(dir, 'dangling'));
}

/** Types, modes, names, link targets and contents of a tree, as one digest (REVISION and dpl's manifest left out). */
const DIGEST = [
  'cd "$1" || exit 1',
  "find . -mindepth 1 ! -path ./.dpl-manifest ! -path ./REVISION -printf '%y %m %p -> %l\\0' | LC_ALL=C sort -z | sha256sum",
  'find . -type f ! -path ./.dpl-manifest ! -path ./REVISION -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum | sha256sum',
].join('\n');

describeBed('strategy upload: only what changed travels (real sshd)', (bed: BedInfo) => {
  let repo!: AppRepo;
  let build!: string;
  const roots: string[] = [];
  beforeAll(() => {
    repo = appRepo({ uid: bed.uid, gid: bed.gid });
    build = openTmp('dpl-upload-build-');
    makeBuild(build);
  });
  afterAll(() => {
    repo.cleanup();
    chmodSync(path.join(build, 'ro'), 0o755);
    rmSync(build, { recursive: true, force: true });
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });

  function project(name: string, extra: ReleaseConfig = {}) {
    const paths = Object.fromEntries(HOSTS.map((h) => [h, path.join(bed.hosts[h]!.root, `upload-${name}`)]));
    roots.push(...Object.values(paths));
    const config: ReleaseConfig = { repoDir: repo.work, strategy: 'upload', build: { command: 'cp -a "$UPLOAD_SRC"/. out', output: 'out', env: { UPLOAD_SRC: build } }, ...extra };
    const def = deployfile({ hosts: Object.fromEntries(HOSTS.map((h) => [h, { vars: { deployPath: paths[h]! } }])), roles: { web: HOSTS }, tasks: { deploy: releaseTasks(config) } });
    const deploy = async (ref: string, tokens = [`deploy:${ref}`]) => {
      const h = harness({
        definition: def,
        root: repo.work,
        flags: { yes: true },
        selection: { roles: ['web'] },
        createPool: async (r) => createSshPool({ configFile: bed.configFile, knownHostsFile: bed.knownHostsFile, agentSocket: null, events: r.events, prompter: r.prompter }),
      });
      const error = await h.dpl(tokens, { close: true });
      const uploads = new Map(h.events.filter((e): e is Upload => e.type === 'deploy.upload').map((e) => [e.host, e]));
      return { error, uploads, events: h.events };
    };
    const current = (h: string) => path.join(paths[h]!, 'current');
    const release = (h: string) => path.join(paths[h]!, 'releases', path.basename(execFileSync('readlink', [current(h)], { encoding: 'utf8' }).trim()));
    return { config, paths, deploy, current, release };
  }

  /** The digest of a release directory, computed on the host over ssh. */
  async function hostDigest(host: string, dir: string): Promise<string> {
    const { pool } = bedPool();
    try {
      const r = await (await pool.get(bedHost(host))).exec(`sh -c ${shq(DIGEST)} digest ${shq(dir)}`);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout;
    } finally {
      await pool.closeAll();
    }
  }
  const localDigest = (dir: string) => execFileSync('sh', ['-c', DIGEST, 'digest', dir], { encoding: 'utf8' });
  const shq = (s: string) => `'${s.replace(/'/g, `'"'"'`)}'`;
  /** 1 of the 100 files gets new bytes: file 3, 5, 9 in rounds 0, 1, 2. */
  const changeOnePercent = (round: number) => writeFileSync(path.join(build, fileOf([3, 5, 9][round]!)), randomBytes(8192));

  it('re-deploy with 1% changed ships ≤ 5% of the bytes; the tree equals a full upload; the live release is untouched', async () => {
    const p = project('delta');
    const first = await p.deploy('v1.0.0');
    expect(first.error).toBeUndefined();
    const full = first.uploads.get('web-0')!;
    expect(full).toMatchObject({ linked: 0, files: FILES + OTHERS });
    for (const h of HOSTS) expect(await hostDigest(h, p.release(h))).toBe(localDigest(build));

    const old = Object.fromEntries(await Promise.all(HOSTS.map(async (h) => [h, { dir: p.release(h), digest: await hostDigest(h, p.release(h)) }] as const)));
    changeOnePercent(0);
    rmSync(path.join(build, 'bin', 'run')); // a deleted file must not reappear
    writeFileSync(path.join(build, 'added.txt'), 'new\n');
    const second = await p.deploy('v1.0.0');
    expect(second.error).toBeUndefined();
    const want = localDigest(build);
    for (const h of HOSTS) {
      const u = second.uploads.get(h)!;
      expect(u.base).toBe(path.basename(old[h]!.dir));
      expect(u.files).toBe(2); // the changed file and the new one
      expect(u.linked).toBe(FILES + OTHERS - 2);
      expect(u.bytes).toBeLessThanOrEqual(full.bytes * 0.05);
      expect(await hostDigest(h, p.release(h))).toBe(want);
      expect(existsSync(path.join(p.current(h), 'bin', 'run'))).toBe(false);
      expect(await hostDigest(h, old[h]!.dir)).toBe(old[h]!.digest); // the live release before: untouched
      // Unchanged files are the old release's inodes; the changed one is a new file.
      const same = 'lib/pkg-1/sub dir/m-1.bin';
      expect(statSync(path.join(p.current(h), same)).ino).toBe(statSync(path.join(old[h]!.dir, same)).ino);
      expect(statSync(path.join(p.current(h), fileOf(3))).ino).not.toBe(statSync(path.join(old[h]!.dir, fileOf(3))).ino);
      expect(statSync(path.join(p.current(h), 'ro', 'frozen.txt')).mode & 0o7777).toBe(0o444);
    }

    // The same build uploaded in full to a fresh deploy path gives the same tree.
    const fresh = project('delta-full');
    const f = await fresh.deploy('v1.0.0');
    expect(f.error).toBeUndefined();
    expect(f.uploads.get('web-1')).toMatchObject({ linked: 0 });
    expect(await hostDigest('web-1', fresh.release('web-1'))).toBe(await hostDigest('web-1', p.release('web-1')));
    expect(readFileSync(path.join(p.current('web-1'), 'new\nline.txt'), 'utf8')).toBe('newline\n');
    expect(readFileSync(path.join(p.current('web-1'), 'name with spaces.txt'), 'utf8')).toBe('spaces\n');
  });

  it('a missing or damaged manifest, or a file changed on the host since, is shipped again', async () => {
    const p = project('fallback');
    expect((await p.deploy('v1.0.0')).error).toBeUndefined();
    const manifest = (h: string) => path.join(p.current(h), '.dpl-manifest');
    rmSync(manifest('web-0'));
    appendFileSync(manifest('web-1'), '["lib/x","f",420,1,1,"0000"]\n'); // no longer matches its checksum
    const tampered = path.join(p.current('web-2'), fileOf(2)); // the app wrote into its release
    const before = readFileSync(tampered);
    writeFileSync(tampered, Buffer.concat([before.subarray(0, 10), Buffer.from('X'), before.subarray(11)]));
    const tamperedDigest = await hostDigest('web-2', p.release('web-2'));
    changeOnePercent(1);
    const r = await p.deploy('v1.0.0');
    expect(r.error).toBeUndefined();
    expect(r.uploads.get('web-0')).toMatchObject({ linked: 0, base: undefined });
    expect(r.uploads.get('web-1')).toMatchObject({ linked: 0, base: undefined });
    expect(r.uploads.get('web-0')!.damaged).toBeUndefined(); // no manifest at all: nothing to call damaged
    expect(r.uploads.get('web-1')!.damaged).toMatch(/^\d{8}T\d{6}Z$/);
    expect(shownLines(r.events)).toContain(`[web-1] warning: the manifest of ${r.uploads.get('web-1')!.damaged} is damaged or incomplete: uploading every file`);
    expect(r.uploads.get('web-2')!.files).toBe(2); // the changed file and the tampered one
    const want = localDigest(build);
    for (const h of HOSTS) expect(await hostDigest(h, p.release(h))).toBe(want);
    expect((await p.deploy('', ['deploy.check'])).error).toBeUndefined(); // GNU tar and find are there
    const oldWeb2 = path.join(p.paths['web-2']!, 'releases');
    const [prev] = execFileSync('ls', [oldWeb2], { encoding: 'utf8' }).trim().split('\n');
    expect(await hostDigest('web-2', path.join(oldWeb2, prev!))).toBe(tamperedDigest);
  });

  it('when linking fails on a host (a file it may not link), that host gets everything shipped', async (ctx) => {
    const p = project('relink');
    expect((await p.deploy('v1.0.0')).error).toBeUndefined();
    // protected_hardlinks: the login user may not link a file owned by root that it cannot write.
    const locked = path.join(p.release('web-0'), fileOf(4));
    if (bed.uid === process.getuid?.() || readFileSync('/proc/sys/fs/protected_hardlinks', 'utf8').trim() !== '1') return ctx.skip('needs root and fs.protected_hardlinks=1');
    chownSync(locked, 0, 0);
    const r = await p.deploy('v1.0.0');
    expect(r.error).toBeUndefined();
    expect(r.uploads.get('web-0')).toMatchObject({ linked: 0, base: undefined });
    expect(r.uploads.get('web-0')!.fallback).toMatch(/^linking from \d{8}T\d{6}Z failed/);
    expect(r.uploads.get('web-1')!.linked).toBeGreaterThan(0);
    for (const h of HOSTS) expect(await hostDigest(h, p.release(h))).toBe(localDigest(build));
    expect(statSync(locked).uid).toBe(0);
  });

  it('a failed deploy and cleanup leave the live release exactly as it was (modes too)', async () => {
    const p = project('discard', { keep: 1 });
    expect((await p.deploy('v1.0.0')).error).toBeUndefined();
    const live = Object.fromEntries(await Promise.all(HOSTS.map(async (h) => [h, await hostDigest(h, p.release(h))] as const)));
    p.config.hooks = { afterPrepare: async (c, rel) => void (rel.host.name === 'web-2' && (await c.run('exit 3'))) };
    changeOnePercent(2);
    const failed = await p.deploy('v1.0.0');
    expect(failed.error).toBeDefined();
    for (const h of HOSTS) expect(await hostDigest(h, p.release(h))).toBe(live[h]);
    p.config.hooks = {};
    expect((await p.deploy('v1.0.0')).error).toBeUndefined();
    expect((await p.deploy('v1.0.0')).error).toBeUndefined(); // cleanup (keep 1) removes the first release
    for (const h of HOSTS) {
      expect(statSync(path.join(p.current(h), 'ro', 'frozen.txt')).mode & 0o7777).toBe(0o444);
      expect(statSync(path.join(p.current(h), 'secret.env')).mode & 0o7777).toBe(0o600);
      expect(await hostDigest(h, p.release(h))).toBe(localDigest(build));
    }
  });

  // build.compress reaches the host: its first upload is a gzip stream the host's tar inflates (-z), and the tree is the same.
  it('build.compress: true ships a gzip stream that the host extracts with -z; the default ships plain tar', async () => {
    for (const compress of [true, false]) {
      const p = project(`compress-${compress}`, { build: { command: 'cp -a "$UPLOAD_SRC"/. out', output: 'out', env: { UPLOAD_SRC: build }, compress } });
      const r = await p.deploy('v1.0.0');
      expect(r.error).toBeUndefined();
      const extract = r.events.filter((e) => e.type === 'command.start' && e.host === 'web-0' && (e.full ?? '').includes('tar -x'));
      expect(extract).toHaveLength(1);
      const full = extract[0]!.type === 'command.start' ? extract[0]!.full ?? '' : '';
      expect(/tar -x -p -P --no-same-owner -z /.test(full), full.slice(0, 300)).toBe(compress);
      expect(await hostDigest('web-0', p.release('web-0'))).toBe(localDigest(build));
    }
  });
});
