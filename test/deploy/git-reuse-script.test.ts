// The script git-reuse.ts writes, run by dash with real git on real files, as the
// unprivileged `nobody` and as root, against what `git archive | tar -x` makes for the
// same user and umask (the review's findings on `reuse: true`): what a live release
// holds beyond its commit (.git directories, file modes), the umask, and the deploy
// user's own git configuration must not shape a new release.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkoutSnippet } from '../../src/deploy/git-reuse.js';
import type { HostRelease } from '../../src/deploy/config.js';
import { layoutOf } from '../../src/deploy/layout.js';

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
const canDrop = asRoot && spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'true']).status === 0;

interface World {
  dir: string;
  origin: string;
  deploy: string;
  home: string;
  uid: number;
}

const worlds: string[] = [];
afterEach(() => {
  for (const d of worlds.splice(0)) rmSync(d, { recursive: true, force: true });
});

function world(uid: number): World {
  const dir = mkdtempSync(path.join(tmpdir(), 'dpl-reuse-script-'));
  worlds.push(dir);
  chmodSync(dir, 0o755);
  const w = { dir, origin: path.join(dir, 'origin'), deploy: path.join(dir, 'deploy'), home: path.join(dir, 'home'), uid };
  for (const d of [w.origin, w.deploy, w.home]) mkdirSync(d);
  execFileSync('git', ['init', '-q', w.origin]);
  if (uid !== 0) execFileSync('chown', ['-R', `${uid}:${uid}`, dir]);
  return w;
}

/** Run `script` with dash as the world's user, umask `umask`, HOME its own; stdout and stderr. */
function sh(w: World, script: string, umask = '022', env: Record<string, string> = {}): { code: number; stderr: string } {
  const prefix = w.uid === 0 ? [] : ['setpriv', `--reuid=${w.uid}`, `--regid=${w.uid}`, '--clear-groups'];
  const args = [...prefix, 'dash', '-c', `umask ${umask}\n${script}`];
  const r = spawnSync(args[0]!, args.slice(1), {
    encoding: 'utf8',
    env: { PATH: process.env['PATH']!, HOME: w.home, GIT_AUTHOR_NAME: 'a', GIT_AUTHOR_EMAIL: 'a@a', GIT_COMMITTER_NAME: 'a', GIT_COMMITTER_EMAIL: 'a@a', ...env },
  });
  return { code: r.status ?? -1, stderr: r.stderr };
}

function commit(w: World, tag: string, files: Record<string, string | null | { link: string }>, exec: string[] = []): string {
  for (const [name, v] of Object.entries(files)) {
    const f = path.join(w.origin, name);
    rmSync(f, { force: true, recursive: true });
    if (v === null) continue;
    mkdirSync(path.dirname(f), { recursive: true });
    if (typeof v === 'object') symlinkSync(v.link, f);
    else writeFileSync(f, v);
  }
  for (const x of exec) chmodSync(path.join(w.origin, x), 0o755);
  const git = (...a: string[]) => execFileSync('git', ['-c', 'safe.directory=*', '-C', w.origin, ...a], { env: { ...process.env, GIT_AUTHOR_NAME: 'a', GIT_AUTHOR_EMAIL: 'a@a', GIT_COMMITTER_NAME: 'a', GIT_COMMITTER_EMAIL: 'a@a' } });
  git('add', '-A');
  git('commit', '-q', '--allow-empty', '-m', tag);
  git('tag', '-f', tag);
  if (w.uid !== 0) execFileSync('chown', ['-R', `${w.uid}:${w.uid}`, w.origin]);
  return execFileSync('git', ['-c', 'safe.directory=*', '-C', w.origin, 'rev-parse', `${tag}^{commit}`], { encoding: 'utf8' }).trim();
}

const names = ['20261206T100000Z', '20261206T100001Z', '20261206T100002Z'];

/** Make release `name` of `sha` (from the live release `from` when given) with the snippet; its directory. */
function release(w: World, name: string, sha: string, from?: { name: string; sha: string }, umask = '022', env: Record<string, string> = {}): { dir: string; stderr: string } {
  const l = layoutOf(w.deploy);
  const rel = { path: l.release(name), deployPath: w.deploy, name, ref: { sha }, strategy: 'git' } as unknown as HostRelease;
  const base = from ? { path: l.release(from.name), index: l.releaseIndex(from.name), sha: from.sha } : undefined;
  const script = [
    'set -e',
    `[ -d ${l.repo} ] && git --git-dir=${l.repo} fetch -q origin '+refs/*:refs/*' || git clone -q --mirror ${w.origin} ${l.repo}`,
    `mkdir -p ${l.releases}`,
    `mkdir ${rel.path}`,
    ...checkoutSnippet(l, rel, base, "{ echo MISSING >&2; exit 1; }"),
    `printf '%s\\n' ${sha} > ${rel.path}/REVISION`,
  ].join('\n');
  const r = sh(w, script, umask, env);
  expect(r.code, r.stderr).toBe(0);
  return { dir: rel.path, stderr: r.stderr };
}

/** What `git archive <sha> | tar -x` makes for the same user and umask. */
function archived(w: World, sha: string, umask = '022', env: Record<string, string> = {}): string {
  const dir = path.join(w.dir, `archive-${sha.slice(0, 8)}-${umask}`);
  rmSync(dir, { recursive: true, force: true });
  const r = sh(w, `mkdir ${dir} && git -C ${w.origin} archive ${sha} | tar -xf - -C ${dir}`, umask, env);
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

/** Every path with its type, full mode and content (or link target); REVISION aside. */
function listing(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const n of readdirSync(path.join(dir, rel)).sort()) {
    const p = rel ? `${rel}/${n}` : n;
    if (p === 'REVISION') continue;
    const f = path.join(dir, p);
    const st = lstatSync(f);
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isSymbolicLink()) out.push(`${p} l ${readlinkSync(f)}`);
    else if (st.isDirectory()) out.push(`${p}/ d ${mode}`, ...listing(dir, p));
    else out.push(`${p} f ${mode} ${readFileSync(f, 'utf8')}`);
  }
  return out;
}

const users = [...(canDrop ? [['nobody', NOBODY] as const] : []), ...(asRoot ? [['root', 0] as const] : [])];

describe.each(users)('reuse script as %s', (_who, uid) => {
  it('.git directories the live release holds are not carried over', () => {
    const w = world(uid);
    const a = commit(w, 'a', { 'lib/x.txt': 'x\n', 'y.txt': 'y\n' });
    const b = commit(w, 'b', { 'y.txt': 'y2\n' });
    const live = release(w, names[0]!, a).dir;
    for (const g of ['.git', 'lib/.git']) {
      mkdirSync(path.join(live, g));
      writeFileSync(path.join(live, g, 'config'), '[core]\n\tfsmonitor = evil\n');
      if (uid !== 0) execFileSync('chown', ['-R', `${uid}:${uid}`, path.join(live, g)]);
    }
    const next = release(w, names[1]!, b, { name: names[0]!, sha: a }).dir;
    expect(listing(next)).toEqual(listing(archived(w, b)));
  });

  it('a file whose mode changed in the live release is written again, with the mode a fresh one has', () => {
    const w = world(uid);
    const a = commit(w, 'a', { 'private.txt': 'p\n', 'group.txt': 'g\n', 'run.sh': '#!/bin/sh\n', 'z.txt': 'z\n' }, ['run.sh']);
    const b = commit(w, 'b', { 'z.txt': 'z2\n' });
    const live = release(w, names[0]!, a).dir;
    chmodSync(path.join(live, 'private.txt'), 0o600);
    chmodSync(path.join(live, 'group.txt'), 0o664);
    chmodSync(path.join(live, 'run.sh'), 0o775);
    const next = release(w, names[1]!, b, { name: names[0]!, sha: a }).dir;
    expect(listing(next)).toEqual(listing(archived(w, b)));
    // The live release keeps what was done there.
    expect(lstatSync(path.join(live, 'private.txt')).mode & 0o777).toBe(0o600);
  });

  it('under umask 000 the files and directories have the modes git archive gives', () => {
    const w = world(uid);
    const a = commit(w, 'a', { 'd/x.txt': 'x\n', 'run.sh': '#!/bin/sh\n' }, ['run.sh']);
    const b = commit(w, 'b', { 'd/y.txt': 'y\n' });
    release(w, names[0]!, a, undefined, '000');
    const next = release(w, names[1]!, b, { name: names[0]!, sha: a }, '000').dir;
    expect(listing(next)).toEqual(listing(archived(w, b, '000')));
    const full = release(w, names[2]!, b, undefined, '000').dir;
    expect(listing(full)).toEqual(listing(archived(w, b, '000')));
  });

  it('the deploy user’s own git configuration (core.symlinks=false, a global attributes file) does not shape the release', () => {
    const w = world(uid);
    writeFileSync(path.join(w.home, '.gitconfig'), '[core]\n\tsymlinks = false\n');
    mkdirSync(path.join(w.home, '.config', 'git'), { recursive: true });
    writeFileSync(path.join(w.home, '.config', 'git', 'attributes'), '*.txt eol=crlf\n');
    if (uid !== 0) execFileSync('chown', ['-R', `${uid}:${uid}`, w.home]);
    const a = commit(w, 'a', { 'target.txt': 't\nu\n', 'link': { link: 'target.txt' } });
    const b = commit(w, 'b', { 'other.txt': 'o\n' });
    release(w, names[0]!, a);
    const next = release(w, names[1]!, b, { name: names[0]!, sha: a }).dir;
    // The commit's tree as git archive makes it without any user configuration.
    const plain = archived(w, b, '022', { HOME: '/nonexistent', XDG_CONFIG_HOME: '/nonexistent' });
    expect(listing(next)).toEqual(listing(plain));
    expect(lstatSync(path.join(next, 'link')).isSymbolicLink()).toBe(true);
  });

  it('a reuse that falls back says nothing on stderr', () => {
    const w = world(uid);
    const a = commit(w, 'a', { 'ro/f.txt': 'f\n', 'x.txt': 'x\n' });
    const b = commit(w, 'b', { 'ro/f.txt': 'f2\n' });
    const live = release(w, names[0]!, a).dir;
    chmodSync(path.join(live, 'ro'), 0o555);
    const next = release(w, names[1]!, b, { name: names[0]!, sha: a });
    chmodSync(path.join(live, 'ro'), 0o755);
    expect(listing(next.dir)).toEqual(listing(archived(w, b)));
    expect(next.stderr).toBe('');
  });
});
