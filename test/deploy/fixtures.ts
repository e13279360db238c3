// Real git fixtures for deploy tests: a bare origin with version tags and a work
// clone that resolves refs. Directories are world-readable and the origin can be
// handed to the bed's login user, because the "hosts" read it by file path.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chownTree } from '../../src/fleet/git.js';

// The machine's git config must not change what the tests see; the tests run as
// root against repos owned by the bed user, hence safe.directory.
const home = mkdtempSync(path.join(tmpdir(), 'dpl-deploy-git-'));
writeFileSync(path.join(home, 'gitconfig'), '[safe]\n\tdirectory = *\n[init]\n\tdefaultBranch = main\n');
export const gitEnv: Record<string, string> = {
  GIT_CONFIG_GLOBAL: path.join(home, 'gitconfig'),
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 'Dev',
  GIT_AUTHOR_EMAIL: 'dev@example.com',
  GIT_COMMITTER_NAME: 'Dev',
  GIT_COMMITTER_EMAIL: 'dev@example.com',
};
Object.assign(process.env, gitEnv);

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export interface AppRepo {
  tmp: string;
  origin: string;
  work: string;
  /** Commit `files` in the work clone, tag it when `tag` is given, push; returns the SHA. */
  release(files: Record<string, string>, message: string, tag?: string): string;
  cleanup(): void;
}

/** A temp dir every user can enter (mkdtemp makes 0700 dirs). */
export function openTmp(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

/** Hand a tree to the bed's login user (the fleet's: symlinks are not followed). */
export { chownTree };

/** An empty bare origin and a work clone of it (`origin.git`, `work`) in a new temp dir. */
export function originAndClone(prefix: string): { tmp: string; origin: string; work: string } {
  const tmp = openTmp(prefix);
  const origin = path.join(tmp, 'origin.git');
  const work = path.join(tmp, 'work');
  execFileSync('git', ['init', '-q', '--bare', origin]);
  execFileSync('git', ['clone', '-q', origin, work], { stdio: 'ignore' });
  return { tmp, origin, work };
}

/** Origin with v1.0.0, v1.1.0 and v2.0.0-rc.1 (so stable = v1.1.0, latest = v2.0.0-rc.1). */
export function appRepo(owner?: { uid: number; gid: number }): AppRepo {
  const { tmp, origin, work } = originAndClone('dpl-deploy-repo-');
  const release = (files: Record<string, string>, message: string, tag?: string): string => {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(work, name)), { recursive: true });
      writeFileSync(path.join(work, name), text);
    }
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', message);
    if (tag) git(work, 'tag', '-a', '-m', message, tag);
    git(work, 'push', '-q', '--follow-tags', 'origin', 'HEAD:main');
    if (owner) chownTree(origin, owner.uid, owner.gid);
    return git(work, 'rev-parse', 'HEAD');
  };
  release({ 'app.txt': 'version 1.0.0\n', 'log/.keep': '' }, 'Release 1.0.0', 'v1.0.0');
  release({ 'app.txt': 'version 1.1.0\n' }, 'Release 1.1.0', 'v1.1.0');
  release({ 'app.txt': 'version 2.0.0-rc.1\n' }, 'Release 2.0.0-rc.1', 'v2.0.0-rc.1');
  return { tmp, origin, work, release, cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
}
