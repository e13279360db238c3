// git-flow finish: merge into production (--no-ff), tag it (annotated), merge into
// develop (--no-ff; a hotfix goes into the open release branch instead, if there is
// one), delete the branch, push when asked. Each step checks whether it
// already happened, so after a merge conflict the user resolves, commits and runs the
// same command again and it carries on where it stopped.
import { DplError } from '../core/errors.js';
import type { FlowKind, GitConfig } from './config.js';
import { loadFlow, type Flow } from './flow-config.js';
import { command, flowRefs, type Log } from './flow.js';
import {
  assertReady,
  branchesUnder,
  commitOf,
  conflictedFiles,
  hasBranch,
  hasRemoteBranch,
  hasTag,
  isAncestor,
  mergeInProgress,
  messageOf,
  subjectOf,
  type Repo,
} from './repo.js';
import { parseVersion } from './version.js';

export interface FinishOptions {
  /** Push production, develop and the tag (and delete the remote branch). Default config.push ?? false. */
  push?: boolean;
}

export interface FinishResult {
  kind: FlowKind;
  version: string;
  branch: string;
  tag: string;
  /** The commit the tag points at. */
  sha: string;
  /** What this run did (a re-run after a conflict skips what is done). */
  steps: string[];
  pushed: boolean;
}

export async function finishFlow(
  repoDir: string,
  kind: FlowKind,
  versionArg: string,
  config: GitConfig = {},
  options: FinishOptions = {},
  log: Log = () => {},
): Promise<FinishResult> {
  const version = parseVersion(versionArg, config.tagPrefix ?? 'v');
  const action = `finish ${kind} ${version}`;
  const rerun = command(kind, 'finish', version);
  const flow = await loadFlow(repoDir, config, action);
  const { repo, production, develop } = flow;
  await assertReady(repo, action, rerun);
  const { branch, tag } = flowRefs(flow, kind, version);
  const push = options.push ?? config.push ?? false;
  const steps: string[] = [];
  const step = (s: string) => (steps.push(s), log(s));

  // Where the branch goes besides production: develop, or as in git-flow, an open
  // release branch while there is one (that release carries it to develop).
  const second = kind === 'hotfix' ? await hotfixTarget(flow, action) : develop;
  const tagSha = (await hasTag(repo, tag)) ? await commitOf(repo, `refs/tags/${tag}`) : undefined;
  if (!(await hasBranch(repo, branch))) {
    // Everything but the push may already be done (a push that failed last time).
    if (tagSha && (await isAncestor(repo, tagSha, production))) {
      log(`${kind} ${version} is already finished (${tag} is on ${production})`);
      if (push) await pushAll(flow, second, tag, branch, rerun, step);
      return { kind, version, branch, tag, sha: tagSha, steps, pushed: push };
    }
    const onRemote = await hasRemoteBranch(repo, flow.remote, branch);
    throw new DplError(`refusing to ${action}: branch ${branch} does not exist in ${repo.dir}`, {
      code: 'git.branch',
      hint: onRemote
        ? `check it out from the remote first (\`git branch --track ${branch} ${flow.remote}/${branch}\`)`
        : `start it with \`${command(kind, 'start', version)}\``,
    });
  }
  if (tagSha && !(await isAncestor(repo, branch, tagSha))) {
    throw new DplError(
      `refusing to ${action}: tag ${tag} already exists on ${tagSha.slice(0, 12)} ` +
        `${JSON.stringify(await subjectOf(repo, tagSha))}, which does not contain ${branch}`,
      { code: 'git.ref', hint: `${version} was released without this branch; finish it under another version, or delete the tag if it is wrong (\`git tag -d ${tag}\`)` },
    );
  }
  if (push) await assertNotBehind(flow, [production, second], action);

  if (!(await isAncestor(repo, branch, production))) {
    await merge(repo, branch, production, rerun, 'nothing is merged or tagged yet');
    step(`merged ${branch} into ${production} (--no-ff)`);
  }
  if (!tagSha) {
    await repo.git(['tag', '-a', '-m', `${kind === 'hotfix' ? 'Hotfix' : 'Release'} ${version}`, tag, production]);
    step(`tagged ${production} as ${tag}`);
  }
  if (!(await isAncestor(repo, branch, second))) {
    // A hotfix's bump is older than the version develop or the open release already
    // carries: when the version file is the only clash, theirs stays.
    const keep = kind === 'hotfix' ? flow.versionFile?.path : undefined;
    const kept = await merge(repo, branch, second, rerun, `${production} is already merged and tagged ${tag}`, keep);
    step(`merged ${branch} into ${second} (--no-ff)`);
    if (kept) step(`kept ${second}'s version in ${kept} (the ${kind}'s bump conflicted with it)`);
  }
  if ((await repo.git(['rev-parse', '--abbrev-ref', 'HEAD'])) !== develop) {
    await repo.git(['checkout', develop]);
  }
  await repo.git(['branch', '-D', branch]);
  step(`deleted branch ${branch}`);
  if (push) await pushAll(flow, second, tag, branch, rerun, step);
  const sha = (await commitOf(repo, `refs/tags/${tag}`))!;
  return { kind, version, branch, tag, sha, steps, pushed: push };
}

/** The open release branch a hotfix also goes into, else develop. */
async function hotfixTarget(flow: Flow, action: string): Promise<string> {
  const releases = await branchesUnder(flow.repo, flow.prefix.release);
  if (releases.length > 1) {
    throw new DplError(`refusing to ${action}: several release branches are open (${releases.join(', ')}), so it is not clear which one the hotfix belongs in`, {
      code: 'git.branch',
      hint: 'finish or delete all but one of them, or merge the hotfix by hand',
    });
  }
  return releases[0] ?? flow.develop;
}

/**
 * Merge `branch` into `into` (--no-ff). When the only conflict is in `versionFile`,
 * `into` keeps its own version and the merge completes: returns that path.
 */
async function merge(repo: Repo, branch: string, into: string, rerun: string, state: string, versionFile?: string): Promise<string | undefined> {
  await repo.git(['checkout', into]);
  const failed = await repo.git(['merge', '--no-ff', '--no-edit', branch]).then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!failed) return undefined;
  if (await mergeInProgress(repo)) {
    const files = await conflictedFiles(repo);
    if (versionFile && files.length === 1 && files[0] === versionFile) {
      await repo.git(['checkout', '--ours', '--', versionFile]);
      await repo.git(['add', '--', versionFile]);
      await repo.git(['commit', '--no-edit']);
      return versionFile;
    }
    throw new DplError(
      `merging ${branch} into ${into} stopped on conflicts in: ${files.join(', ') || '(see git status)'}\n` +
        `${repo.dir} is left mid-merge on ${into}, as git leaves it; ${state}`,
      { code: 'git.merging', hint: `resolve the conflicts, \`git add\` the files and \`git commit\`, then run \`${rerun}\` again to continue (or \`git merge --abort\` to back out)` },
    );
  }
  throw new DplError(`merging ${branch} into ${into} failed in ${repo.dir}: ${messageOf((failed as Error).cause ?? failed)}`, {
    code: 'git.merging',
    hint: `fix the problem, then run \`${rerun}\` again; ${state}`,
  });
}

/** A push would be rejected if the remote branch has commits we do not. */
async function assertNotBehind(flow: Flow, branches: string[], action: string): Promise<void> {
  for (const b of branches) {
    const tracking = `refs/remotes/${flow.remote}/${b}`;
    if ((await commitOf(flow.repo, tracking)) && !(await isAncestor(flow.repo, tracking, b))) {
      throw new DplError(`refusing to ${action} with push: ${b} is behind ${flow.remote}/${b}`, {
        code: 'git.remote',
        hint: `update it first (\`git checkout ${b} && git pull --ff-only\`), then run the finish again`,
      });
    }
  }
}

async function pushAll(flow: Flow, second: string, tag: string, branch: string, rerun: string, step: Log): Promise<void> {
  const { repo, remote, production } = flow;
  const refs = [production, second, `refs/tags/${tag}`];
  try {
    await repo.git(['push', '--atomic', remote, ...refs]);
  } catch (err) {
    throw new DplError(`pushing ${refs.join(', ')} to ${remote} failed: ${messageOf((err as Error).cause ?? err)}`, {
      code: 'git.remote',
      hint: `the local finish is done; fix the remote problem and run \`${rerun} push=true\` again (it only pushes)`,
    });
  }
  step(`pushed ${production}, ${second} and ${tag} to ${remote}`);
  if (await repo.tryGit(['ls-remote', '--exit-code', '--heads', remote, `refs/heads/${branch}`])) {
    await repo.git(['push', remote, '--delete', branch]);
    step(`deleted ${branch} on ${remote}`);
  }
}
