// git-flow finish: merge into production (--no-ff), tag it (annotated), merge into
// develop (--no-ff), delete the branch, push when asked. Each step checks whether it
// already happened, so after a merge conflict the user resolves, commits and runs the
// same command again and it carries on where it stopped.
import { DplError } from '../core/errors.js';
import type { FlowKind, GitConfig } from './config.js';
import { loadFlow, type Flow } from './flow-config.js';
import { command, flowRefs, type Log } from './flow.js';
import {
  assertReady,
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

  const tagSha = (await hasTag(repo, tag)) ? await commitOf(repo, `refs/tags/${tag}`) : undefined;
  if (!(await hasBranch(repo, branch))) {
    // Everything but the push may already be done (a push that failed last time).
    if (tagSha && (await isAncestor(repo, tagSha, production))) {
      log(`${kind} ${version} is already finished (${tag} is on ${production})`);
      if (push) await pushAll(flow, tag, branch, rerun, step);
      return { kind, version, branch, tag, sha: tagSha, steps, pushed: push };
    }
    const onRemote = await hasRemoteBranch(repo, flow.remote, branch);
    throw new DplError(`refusing to ${action}: branch ${branch} does not exist in ${repo.dir}`, {
      hint: onRemote
        ? `check it out from the remote first (\`git branch --track ${branch} ${flow.remote}/${branch}\`)`
        : `start it with \`${command(kind, 'start', version)}\``,
    });
  }
  if (tagSha && !(await isAncestor(repo, branch, tagSha))) {
    throw new DplError(
      `refusing to ${action}: tag ${tag} already exists on ${tagSha.slice(0, 12)} ` +
        `${JSON.stringify(await subjectOf(repo, tagSha))}, which does not contain ${branch}`,
      { hint: `${version} was released without this branch; finish it under another version, or delete the tag if it is wrong (\`git tag -d ${tag}\`)` },
    );
  }
  if (push) await assertNotBehind(flow, [production, develop], action);

  if (!(await isAncestor(repo, branch, production))) {
    await merge(repo, branch, production, rerun, 'nothing is merged or tagged yet');
    step(`merged ${branch} into ${production} (--no-ff)`);
  }
  if (!tagSha) {
    await repo.git(['tag', '-a', '-m', `${kind === 'hotfix' ? 'Hotfix' : 'Release'} ${version}`, tag, production]);
    step(`tagged ${production} as ${tag}`);
  }
  if (!(await isAncestor(repo, branch, develop))) {
    await merge(repo, branch, develop, rerun, `${production} is already merged and tagged ${tag}`);
    step(`merged ${branch} into ${develop} (--no-ff)`);
  }
  if ((await repo.git(['rev-parse', '--abbrev-ref', 'HEAD'])) !== develop) {
    await repo.git(['checkout', develop]);
  }
  await repo.git(['branch', '-D', branch]);
  step(`deleted branch ${branch}`);
  if (push) await pushAll(flow, tag, branch, rerun, step);
  const sha = (await commitOf(repo, `refs/tags/${tag}`))!;
  return { kind, version, branch, tag, sha, steps, pushed: push };
}

async function merge(repo: Repo, branch: string, into: string, rerun: string, state: string): Promise<void> {
  await repo.git(['checkout', into]);
  const failed = await repo.git(['merge', '--no-ff', '--no-edit', branch]).then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!failed) return;
  if (await mergeInProgress(repo)) {
    const files = await conflictedFiles(repo);
    throw new DplError(
      `merging ${branch} into ${into} stopped on conflicts in: ${files.join(', ') || '(see git status)'}\n` +
        `${repo.dir} is left mid-merge on ${into}, as git leaves it; ${state}`,
      { hint: `resolve the conflicts, \`git add\` the files and \`git commit\`, then run \`${rerun}\` again to continue (or \`git merge --abort\` to back out)` },
    );
  }
  throw new DplError(`merging ${branch} into ${into} failed in ${repo.dir}: ${messageOf((failed as Error).cause ?? failed)}`, {
    hint: `fix the problem, then run \`${rerun}\` again; ${state}`,
  });
}

/** A push would be rejected if the remote branch has commits we do not. */
async function assertNotBehind(flow: Flow, branches: string[], action: string): Promise<void> {
  for (const b of branches) {
    const tracking = `refs/remotes/${flow.remote}/${b}`;
    if ((await commitOf(flow.repo, tracking)) && !(await isAncestor(flow.repo, tracking, b))) {
      throw new DplError(`refusing to ${action} with push: ${b} is behind ${flow.remote}/${b}`, {
        hint: `update it first (\`git checkout ${b} && git pull --ff-only\`), then run the finish again`,
      });
    }
  }
}

async function pushAll(flow: Flow, tag: string, branch: string, rerun: string, step: Log): Promise<void> {
  const { repo, remote, production, develop } = flow;
  const refs = [production, develop, `refs/tags/${tag}`];
  try {
    await repo.git(['push', '--atomic', remote, ...refs]);
  } catch (err) {
    throw new DplError(`pushing ${refs.join(', ')} to ${remote} failed: ${messageOf((err as Error).cause ?? err)}`, {
      hint: `the local finish is done; fix the remote problem and run \`${rerun} push=true\` again (it only pushes)`,
    });
  }
  step(`pushed ${production}, ${develop} and ${tag} to ${remote}`);
  if (await repo.tryGit(['ls-remote', '--exit-code', '--heads', remote, `refs/heads/${branch}`])) {
    await repo.git(['push', remote, '--delete', branch]);
    step(`deleted ${branch} on ${remote}`);
  }
}
