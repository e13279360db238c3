// A git origin for fleet hosts to fetch from by path: a bare repo and a working clone
// with a fixed identity (no signing, whatever the user's git config says), and a
// helper to hand trees to the hosts' login user.
import { execFileSync } from 'node:child_process';
import { chownSync, lchownSync, lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { which } from './tools.js';

export interface GitOrigin {
  /** The bare repository (hosts clone or fetch it by path). */
  origin: string;
  /** A working clone whose `origin` remote is `origin`, on branch `main`. */
  work: string;
  /** Run git in the working clone; its trimmed stdout. */
  git(...args: string[]): string;
  /** Write `files` (relative paths), commit everything, tag it when `tag` is given; the commit's SHA. */
  commit(files: Record<string, string>, message: string, tag?: string): string;
}

export const GIT_IDENTITY = { name: 'dpl fleet', email: 'fleet@dpl.invalid' };

/** A bare origin and its working clone under `dir` (`origin.git`, `work`). */
export function gitOrigin(dir: string, o: { git?: string; identity?: { name: string; email: string } } = {}): GitOrigin {
  const bin = o.git ?? which('git') ?? 'git';
  const id = o.identity ?? GIT_IDENTITY;
  const config = ['-c', `user.name=${id.name}`, '-c', `user.email=${id.email}`, '-c', 'commit.gpgsign=false', '-c', 'tag.gpgsign=false', '-c', 'init.defaultBranch=main'];
  const origin = join(dir, 'origin.git');
  const work = join(dir, 'work');
  const run = (cwd: string, ...args: string[]) => execFileSync(bin, [...config, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  mkdirSync(dir, { recursive: true });
  run(dir, 'init', '-q', '--bare', '-b', 'main', origin);
  run(dir, 'init', '-q', '-b', 'main', work);
  run(work, 'remote', 'add', 'origin', origin);
  const git = (...args: string[]) => run(work, ...args);
  return {
    origin,
    work,
    git,
    commit(files, message, tag) {
      for (const [name, text] of Object.entries(files)) {
        mkdirSync(dirname(join(work, name)), { recursive: true });
        writeFileSync(join(work, name), text);
      }
      git('add', '-A');
      git('commit', '-q', '--allow-empty', '-m', message);
      if (tag) git('tag', '-a', '-m', message, tag);
      return git('rev-parse', 'HEAD');
    },
  };
}

/** Hand a tree to the login user (when the fleet runs as root), without following symlinks. */
export function chownTree(path: string, uid: number, gid: number): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return lchownSync(path, uid, gid);
  chownSync(path, uid, gid);
  if (st.isDirectory()) for (const e of readdirSync(path)) chownTree(join(path, e), uid, gid);
}
