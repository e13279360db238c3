// The git strategy's reuse on real hosts (issue #18): a new release is the live one's
// unchanged files hard-linked, with only what changed since written anew, instead of
// every file exported again. It must still be exactly the tag's tree (as `git archive`
// gives it), never carry over what changed on the host since, and never modify the
// live release.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeBed } from '../support/bed.js';
import { cliProject, deployFixtures, HOSTS, ok } from './cli-project.js';
import { git, type AppRepo } from './fixtures.js';

/** Every file, symlink and directory under `dir`, relative, with its kind and mode bits that git keeps. */
function tree(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(dir, rel)).sort()) {
    const p = rel ? `${rel}/${name}` : name;
    const st = lstatSync(path.join(dir, p));
    if (st.isDirectory()) out.push(`${p}/`, ...tree(dir, p));
    else if (st.isSymbolicLink()) out.push(`${p} -> link`);
    else out.push(`${p} ${st.mode & 0o100 ? 'x' : '-'} ${readFileSync(path.join(dir, p), 'utf8')}`);
  }
  return out;
}

/** What `git archive <tag> | tar -x` makes, by the same listing (the reference for every release). */
function archived(repo: AppRepo, tag: string): string[] {
  const dir = path.join(repo.tmp, `archive-${tag}`);
  if (existsSync(dir)) return tree(dir);
  mkdirSync(dir);
  git(repo.work, 'archive', '-o', `${dir}.tar`, tag);
  execFileSync('tar', ['-xf', `${dir}.tar`, '-C', dir]);
  return tree(dir);
}

const inode = (...p: string[]) => lstatSync(path.join(...p)).ino;

describeBed('git strategy: a release reuses the live one’s unchanged files', (bed) => {
  let repo!: AppRepo;
  const { track } = deployFixtures(bed, (r) => (repo = r));
  const project = (name: string, extra = '') =>
    track(cliProject(bed, name, `{ repoDir: ${JSON.stringify(repo.work)}, roles: ['web'], strategy: 'git', shared: { dirs: ['log'] }${extra} }`));
  const reusing = (name: string, extra = '') => project(name, `, reuse: true${extra}`);
  const releaseDir = (p: { paths: Record<string, string> }, h: string, name: string) => path.join(p.paths[h]!, 'releases', name);
  const withoutRevision = (d: string) => tree(d).filter((l) => !l.startsWith('REVISION ')).sort(byPath);
  /** Tag `tag` with `files` written (null: removed) and `exec` made executable. */
  const tagged = (tag: string, files: Record<string, string | null>, exec: string[] = []) => {
    for (const [name, text] of Object.entries(files)) {
      const f = path.join(repo.work, name);
      if (text === null) unlinkSync(f);
      else {
        mkdirSync(path.dirname(f), { recursive: true });
        writeFileSync(f, text);
      }
    }
    for (const x of exec) chmodSync(path.join(repo.work, x), 0o755);
    repo.release({}, `release ${tag}`, tag);
  };

  it('links what did not change, writes what did, and equals git archive of the tag', async () => {
    tagged('v3.0.0', { 'keep.txt': 'same\n', 'dir/deep.txt': 'deep\n', 'change.txt': 'old\n', 'gone.txt': 'bye\n', 'bin/run': '#!/bin/sh\n' }, ['bin/run']);
    tagged('v3.1.0', { 'change.txt': 'new\n', 'gone.txt': null, 'added/new.txt': 'hello\n' });
    const p = reusing('reuse');
    ok(await p.dpl(['deploy:v3.0.0']));
    const first = p.current('web-0')!;
    ok(await p.dpl(['deploy:v3.1.0']));
    const expected = withShared(archived(repo, 'v3.1.0'));
    for (const h of HOSTS) {
      const [a, b] = [releaseDir(p, h, first), releaseDir(p, h, p.current(h)!)];
      expect(withoutRevision(b)).toEqual(expected);
      expect(inode(b, 'keep.txt')).toBe(inode(a, 'keep.txt'));
      expect(inode(b, 'dir', 'deep.txt')).toBe(inode(a, 'dir', 'deep.txt'));
      expect(inode(b, 'bin', 'run')).toBe(inode(a, 'bin', 'run'));
      expect(inode(b, 'change.txt')).not.toBe(inode(a, 'change.txt'));
      // The live release before is untouched.
      expect(readFileSync(path.join(a, 'change.txt'), 'utf8')).toBe('old\n');
      expect(readFileSync(path.join(a, 'gone.txt'), 'utf8')).toBe('bye\n');
      expect(readFileSync(path.join(b, 'REVISION'), 'utf8')).toBe(`${git(repo.work, 'rev-parse', 'v3.1.0^{commit}')}\n`);
    }
  });

  it('what changed in the live release on the host is not carried over, and the live release keeps it', async () => {
    tagged('v3.2.0', { 'keep.txt': 'same\n', 'other.txt': 'other\n', 'sub/file.txt': 'sub\n' });
    tagged('v3.3.0', { 'added.txt': 'added\n' });
    const p = reusing('tampered');
    ok(await p.dpl(['deploy:v3.2.0']));
    const live = releaseDir(p, 'web-0', p.current('web-0')!);
    const own = (f: string) => chownSync(f, bed.uid, bed.gid);
    // Rewritten in place, same size (its mtime tells), and appended to (its size tells).
    writeFileSync(path.join(live, 'keep.txt'), 'SAME\n');
    writeFileSync(path.join(live, 'change.txt'), 'appended\n', { flag: 'a' });
    chmodSync(path.join(live, 'other.txt'), 0o755);
    unlinkSync(path.join(live, 'sub', 'file.txt'));
    writeFileSync(path.join(live, 'junk.log'), 'junk\n');
    own(path.join(live, 'junk.log'));
    mkdirSync(path.join(live, 'tmp', 'cache'), { recursive: true });
    writeFileSync(path.join(live, 'tmp', 'cache', 'x'), 'x');
    for (const f of ['tmp', 'tmp/cache', 'tmp/cache/x']) own(path.join(live, f));
    const liveBefore = tree(live);
    ok(await p.dpl(['deploy:v3.3.0']));
    const next = releaseDir(p, 'web-0', p.current('web-0')!);
    expect(withoutRevision(next)).toEqual(withShared(archived(repo, 'v3.3.0')));
    expect(tree(live)).toEqual(liveBefore);
    expect(inode(next, 'keep.txt')).not.toBe(inode(live, 'keep.txt'));
    expect(inode(next, 'other.txt')).not.toBe(inode(live, 'other.txt'));
    // Made from the live release all the same: what was not touched there is linked.
    expect(inode(next, 'dir', 'deep.txt')).toBe(inode(live, 'dir', 'deep.txt'));
    // The other hosts' live releases were not touched: their files are linked.
    expect(inode(releaseDir(p, 'web-1', p.current('web-1')!), 'keep.txt')).toBe(inode(p.paths['web-1']!, 'releases', p.history('web-1')[0]!['release']!, 'keep.txt'));
  });

  it('without the live release’s kept index (made by dpl 0.1), every linked file is compared by content', async () => {
    tagged('v3.2.1', { 'keep.txt': 'kept\n' });
    tagged('v3.3.1', { 'other.txt': 'other 2\n' });
    const p = reusing('noindex');
    ok(await p.dpl(['deploy:v3.2.1']));
    const live = releaseDir(p, 'web-0', p.current('web-0')!);
    rmSync(path.join(p.paths['web-0']!, 'repo', `dpl-index.${p.current('web-0')}`));
    // Same size, mtime put back: only its content tells.
    const keep = path.join(live, 'keep.txt');
    const { mtime } = lstatSync(keep);
    writeFileSync(keep, 'KEPT\n');
    utimesSync(keep, mtime, mtime);
    ok(await p.dpl(['deploy:v3.3.1']));
    const next = releaseDir(p, 'web-0', p.current('web-0')!);
    expect(withoutRevision(next)).toEqual(withShared(archived(repo, 'v3.3.1')));
    expect(readFileSync(keep, 'utf8')).toBe('KEPT\n');
    expect(inode(next, 'dir', 'deep.txt')).toBe(inode(live, 'dir', 'deep.txt'));
    // The new release's index is kept for the next deploy, and cleanup removes it with its release.
    expect(existsSync(path.join(p.paths['web-0']!, 'repo', `dpl-index.${p.current('web-0')}`))).toBe(true);
  });

  it('cleanup removes a release’s kept index with the release', async () => {
    const p = reusing('indexes', ', keep: 1');
    for (const tag of ['v3.0.0', 'v3.1.0', 'v3.2.0']) ok(await p.dpl([`deploy:${tag}`]));
    for (const h of HOSTS) {
      const indexes = readdirSync(path.join(p.paths[h]!, 'repo')).filter((n) => n.startsWith('dpl-index.')).map((n) => n.slice('dpl-index.'.length));
      expect(indexes.sort()).toEqual(p.releases(h));
    }
  });

  it('falls back to the full export where links cannot be made; a read-only directory is not carried over', async () => {
    tagged('v3.4.0', { 'a.txt': 'a\n', 'ro/b.txt': 'b\n' });
    tagged('v3.5.0', { 'a.txt': 'a2\n' });
    const p = reusing('fallback');
    ok(await p.dpl(['deploy:v3.4.0']));
    // web-0: a file of another owner (the kernel refuses a hard link to it: protected_hardlinks).
    // web-1: a directory the app made read-only.
    const live0 = releaseDir(p, 'web-0', p.current('web-0')!);
    writeFileSync(path.join(live0, 'root-owned'), 'mine\n');
    const live1 = releaseDir(p, 'web-1', p.current('web-1')!);
    chmodSync(path.join(live1, 'ro'), 0o555);
    const r = await p.dpl(['deploy:v3.5.0']);
    chmodSync(path.join(live1, 'ro'), 0o755);
    ok(r);
    const next = (h: string) => releaseDir(p, h, p.current(h)!);
    for (const h of HOSTS) expect(withoutRevision(next(h))).toEqual(withShared(archived(repo, 'v3.5.0')));
    expect(r.stderr).not.toMatch(/cannot|denied|error/i);
    // web-0 exported in full (nothing linked); web-1 reused, its copy of the directory made as a fresh one is.
    expect(inode(next('web-0'), 'ro', 'b.txt')).not.toBe(inode(live0, 'ro', 'b.txt'));
    expect(inode(next('web-1'), 'ro', 'b.txt')).toBe(inode(live1, 'ro', 'b.txt'));
    const mode = (d: string) => lstatSync(path.join(d, 'ro')).mode & 0o7777;
    expect(mode(next('web-1'))).toBe(mode(next('web-0')));
    expect(mode(next('web-1'))).toBe(0o755);
  });

  it('without reuse: true (the default for git), every release is a full export', async () => {
    tagged('v3.6.0', { 'a.txt': 'six\n' });
    tagged('v3.7.0', { 'b.txt': 'seven\n' });
    const p = project('noreuse');
    ok(await p.dpl(['deploy:v3.6.0']));
    const first = releaseDir(p, 'web-0', p.current('web-0')!);
    ok(await p.dpl(['deploy:v3.7.0']));
    const next = releaseDir(p, 'web-0', p.current('web-0')!);
    expect(withoutRevision(next)).toEqual(withShared(archived(repo, 'v3.7.0')));
    expect(inode(next, 'a.txt')).not.toBe(inode(first, 'a.txt'));
  });

  it('a tree with .gitattributes is exported in full, as git archive shapes it (export-ignore, export-subst)', async () => {
    tagged('v3.8.0', { '.gitattributes': 'secret.txt export-ignore\nstamp.txt export-subst\n', 'secret.txt': 'no\n', 'stamp.txt': '$Format:%H$\n', 'c.txt': 'c\n' });
    tagged('v3.9.0', { 'c.txt': 'c2\n' });
    const p = reusing('attributes');
    ok(await p.dpl(['deploy:v3.8.0']));
    const first = releaseDir(p, 'web-0', p.current('web-0')!);
    ok(await p.dpl(['deploy:v3.9.0']));
    const next = releaseDir(p, 'web-0', p.current('web-0')!);
    const expected = withShared(archived(repo, 'v3.9.0'));
    expect(expected.some((l) => l.startsWith('secret.txt'))).toBe(false);
    expect(expected).toContain(`stamp.txt - ${git(repo.work, 'rev-parse', 'v3.9.0^{commit}')}\n`);
    expect(withoutRevision(next)).toEqual(expected);
    expect(inode(next, '.gitattributes')).not.toBe(inode(first, '.gitattributes'));
  });
});

const byPath = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
/** The archive's listing with the shared `log` link the deploy puts in place of log/. */
function withShared(listing: string[]): string[] {
  return listing.filter((l) => !l.startsWith('log/')).concat(['log -> link']).sort(byPath);
}
