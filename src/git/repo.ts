// simple-git setup for the git module. simple-git on its own treats a non-zero exit
// with empty stderr as success, which hides `merge-base --is-ancestor` answers and
// half-failed commands; here every non-zero exit is an error carrying its exit code.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { GitError, simpleGit, type SimpleGit } from 'simple-git';
import { DplError } from '../core/errors.js';

/** A failed git command: exit code plus everything it printed. A GitError so simple-git passes it through. */
export class GitExit extends GitError {
  constructor(
    readonly exitCode: number,
    readonly output: string,
  ) {
    super(undefined, output.trim() || `git exited with code ${exitCode}`);
  }
}

export interface Repo {
  /** Absolute directory every git command runs in. */
  readonly dir: string;
  /** Run git; stdout with the trailing newline removed. Throws DplError naming the command. */
  git(args: string[]): Promise<string>;
  /** Run git; undefined instead of throwing when it exits non-zero. */
  tryGit(args: string[]): Promise<string | undefined>;
}

export async function openRepo(repoDir: string): Promise<Repo> {
  const dir = path.resolve(repoDir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new DplError(`git: ${dir} does not exist or is not a directory`, { code: 'git.not-repo' });
  }
  const sg: SimpleGit = simpleGit({
    baseDir: dir,
    trimmed: false,
    errors(error, result) {
      if (!result.exitCode) return error;
      const text = Buffer.concat([...result.stdOut, ...result.stdErr]).toString('utf8');
      return new GitExit(result.exitCode, text);
    },
  });
  const raw = async (args: string[]): Promise<string> => (await sg.raw(args)).replace(/\n$/, '');
  const repo: Repo = {
    dir,
    async git(args) {
      try {
        return await raw(args);
      } catch (err) {
        throw new DplError(`git ${args.join(' ')} failed in ${dir}: ${messageOf(err)}`, { code: 'git.failed', cause: err });
      }
    },
    async tryGit(args) {
      try {
        return await raw(args);
      } catch (err) {
        if (err instanceof GitExit) return undefined;
        throw new DplError(`git ${args.join(' ')} failed in ${dir}: ${messageOf(err)}`, { code: 'git.failed', cause: err });
      }
    },
  };
  if ((await repo.tryGit(['rev-parse', '--git-dir'])) === undefined) {
    throw new DplError(`git: ${dir} is not inside a git repository`, {
      code: 'git.not-repo',
      hint: 'run dpl from a git working copy, or set repoDir in gitTasks({ repoDir })',
    });
  }
  return repo;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message.trim() : String(err);
}

// simple-git waits an extra 50 ms for commands that print nothing, so the helpers
// below prefer forms that always print something (no --quiet, status --branch).

/** The commit a revision names, or undefined. Refuses option-looking input. */
export async function commitOf(repo: Repo, rev: string): Promise<string | undefined> {
  if (rev.startsWith('-')) return undefined;
  return (await repo.tryGit(['rev-parse', '--verify', '--end-of-options', `${rev}^{commit}`])) || undefined;
}

async function refExists(repo: Repo, ref: string): Promise<boolean> {
  return (await repo.tryGit(['show-ref', '--verify', ref])) !== undefined;
}

export const hasBranch = (repo: Repo, name: string) => refExists(repo, `refs/heads/${name}`);
export const hasTag = (repo: Repo, name: string) => refExists(repo, `refs/tags/${name}`);
export const hasRemoteBranch = (repo: Repo, remote: string, name: string) =>
  refExists(repo, `refs/remotes/${remote}/${name}`);

/** Local branches whose names start with `prefix`: git-flow's open hotfix/ or release/ branches. */
export async function branchesUnder(repo: Repo, prefix: string): Promise<string[]> {
  if (!prefix) return []; // without a prefix no branch can be told to be one
  const refs = await repo.git(['for-each-ref', '--format=%(refname)', 'refs/heads/']);
  return refs
    .split('\n')
    .map((r) => r.slice('refs/heads/'.length))
    .filter((b) => b && b.startsWith(prefix));
}

/** Is `ancestor` contained in `rev` (reachable from it)? */
export async function isAncestor(repo: Repo, ancestor: string, rev: string): Promise<boolean> {
  const a = await commitOf(repo, ancestor);
  if (!a) return false;
  return (await repo.tryGit(['merge-base', a, rev])) === a;
}

/** Current branch name, or undefined on a detached HEAD. */
export async function currentBranch(repo: Repo): Promise<string | undefined> {
  const name = await repo.tryGit(['rev-parse', '--abbrev-ref', 'HEAD']);
  return name && name !== 'HEAD' ? name : undefined;
}

export async function subjectOf(repo: Repo, sha: string): Promise<string> {
  return repo.git(['log', '-1', '--format=%s', sha, '--']);
}

/** All git config values (every scope) as a map; later scopes win. */
export async function configValues(repo: Repo): Promise<Map<string, string>> {
  const out = (await repo.tryGit(['config', '--list', '--null'])) ?? '';
  const map = new Map<string, string>();
  for (const entry of out.split('\0')) {
    const nl = entry.indexOf('\n');
    if (entry) map.set(nl < 0 ? entry : entry.slice(0, nl), nl < 0 ? '' : entry.slice(nl + 1));
  }
  return map;
}

/** `git status --porcelain` lines (tracked changes and untracked files). */
export async function dirtyFiles(repo: Repo): Promise<string[]> {
  const out = await repo.git(['status', '--porcelain', '--branch', '--untracked-files=normal']);
  return out.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('## '));
}

export async function conflictedFiles(repo: Repo): Promise<string[]> {
  const out = await repo.git(['diff', '--name-only', '--diff-filter=U']);
  return [...new Set(out.split('\n').filter(Boolean))];
}

export async function mergeInProgress(repo: Repo): Promise<boolean> {
  return (await commitOf(repo, 'MERGE_HEAD')) !== undefined;
}

/**
 * Refuse to act on a repo that is mid-merge or has uncommitted or untracked files.
 * `action` completes "refusing to ...", `rerun` is the command to run afterwards.
 */
export async function assertReady(repo: Repo, action: string, rerun?: string): Promise<void> {
  if (await mergeInProgress(repo)) {
    const files = await conflictedFiles(repo);
    throw new DplError(
      `refusing to ${action}: a merge is in progress in ${repo.dir}` +
        (files.length ? ` (unresolved: ${files.join(', ')})` : ''),
      { code: 'git.merging', hint: `resolve the conflicts, \`git add\` the files and \`git commit\`${rerun ? `, then run \`${rerun}\` again` : ''} (or \`git merge --abort\`)` },
    );
  }
  const dirty = await dirtyFiles(repo);
  if (dirty.length) {
    const shown = dirty.slice(0, 10).map((l) => `  ${l}`).join('\n');
    const more = dirty.length > 10 ? `\n  ... and ${dirty.length - 10} more` : '';
    throw new DplError(`refusing to ${action}: the working tree of ${repo.dir} is not clean:\n${shown}${more}`, {
      code: 'git.dirty',
      hint: 'commit or stash your changes first (`git stash -u` also stashes untracked files)',
    });
  }
}

/** Validate a would-be branch or tag name with git's own rules. */
export async function assertRefName(repo: Repo, ref: string, what: string): Promise<void> {
  if (ref.startsWith('-') || (await repo.tryGit(['check-ref-format', '--normalize', ref])) === undefined) {
    throw new DplError(`invalid ${what} name ${JSON.stringify(ref)}`, {
      code: 'git.ref',
      hint: 'check the name prefixes in gitTasks({...}): git rejects spaces, "..", "~", "^", ":" and similar',
    });
  }
}
