// git-flow start: `hotfix/X.Y.Z` off production, `release/X.Y.Z` off develop, then the
// version bump as a commit of its own. Every check runs before the first change.
import { DplError } from '../core/errors.js';
import { describeVersionFile, type FlowKind, type GitConfig } from './config.js';
import { loadFlow, type Flow } from './flow-config.js';
import { highest, versionTags } from './refs.js';
import {
  assertReady,
  assertRefName,
  branchesUnder,
  commitOf,
  currentBranch,
  hasBranch,
  hasRemoteBranch,
  hasTag,
  subjectOf,
} from './repo.js';
import { assertGreater, incMinor, incPatch, isGreater, parseVersion } from './version.js';
import { commitVersion, versionAt } from './version-file.js';

export type Log = (message: string) => void;

export interface StartResult {
  kind: FlowKind;
  version: string;
  branch: string;
  base: string;
  tag: string;
  /** Version before the bump (from the version file or the highest stable tag). */
  previous?: string;
  /** The bump commit, when a version file is configured. */
  bumpCommit?: string;
}

/** `dpl hotfix.finish:3.0.1` — how hints name the commands. */
export function command(kind: FlowKind, step: 'start' | 'finish', version: string): string {
  return `dpl ${kind}.${step}:${version}`;
}

export function flowRefs(flow: Pick<Flow, 'prefix' | 'tagPrefix'>, kind: FlowKind, version: string) {
  return { branch: flow.prefix[kind] + version, tag: flow.tagPrefix + version };
}

export async function startFlow(
  repoDir: string,
  kind: FlowKind,
  versionArg: string,
  config: GitConfig = {},
  log: Log = () => {},
): Promise<StartResult> {
  const version = parseVersion(versionArg, config.tagPrefix ?? 'v');
  const action = `start ${kind} ${version}`;
  const flow = await loadFlow(repoDir, config, action);
  const { repo } = flow;
  await assertReady(repo, action);

  const base = kind === 'hotfix' ? flow.production : flow.develop;
  const { branch, tag } = flowRefs(flow, kind, version);
  await assertRefName(repo, `refs/heads/${branch}`, 'branch');
  await assertRefName(repo, `refs/tags/${tag}`, 'tag');
  if ((await hasBranch(repo, branch)) || (await hasRemoteBranch(repo, flow.remote, branch))) {
    const where = (await hasBranch(repo, branch)) ? 'in this repo' : `on ${flow.remote}`;
    throw new DplError(`refusing to ${action}: branch ${branch} already exists ${where}`, {
      code: 'git.branch',
      hint: `finish it with \`${command(kind, 'finish', version)}\`, or delete it (\`git branch -D ${branch}\`) and start again`,
    });
  }
  // As git-flow: one hotfix and one release at a time, or fixes land in one and not the other.
  const open = (await branchesUnder(repo, flow.prefix[kind])).filter((b) => b !== branch);
  if (open.length) {
    throw new DplError(`refusing to ${action}: ${open.join(', ')} is not finished yet`, {
      code: 'git.branch',
      hint: `finish it first (\`${command(kind, 'finish', open[0]!.slice(flow.prefix[kind].length))}\`), or delete its branch if it is abandoned`,
    });
  }
  if (await hasTag(repo, tag)) {
    const sha = (await commitOf(repo, `refs/tags/${tag}`)) ?? '';
    throw new DplError(
      `refusing to ${action}: tag ${tag} already exists (${sha.slice(0, 12)} ${JSON.stringify(await subjectOf(repo, sha))})`,
      { code: 'git.ref', hint: `${version} is already released; start the next version, e.g. \`${command(kind, 'start', next(kind, version))}\`` },
    );
  }

  const previous = await currentVersion(flow, base);
  if (previous) {
    assertGreater(action, version, previous.version, previous.where, (v) => `\`${command(kind, 'start', next(kind, v))}\``);
  }

  const original = (await currentBranch(repo)) ?? (await repo.git(['rev-parse', 'HEAD']));
  await repo.git(['checkout', '-b', branch, base]);
  log(`created ${branch} from ${base}`);
  let bumpCommit: string | undefined;
  if (flow.versionFile) {
    try {
      bumpCommit = await commitVersion(repo, flow.versionFile, version, `Bump version to ${version}`);
    } catch (err) {
      // Put things back as they were: the start is all or nothing.
      await repo.tryGit(['checkout', '--force', original]);
      await repo.tryGit(['branch', '-D', branch]);
      throw new DplError(`${action} failed while committing the version bump; nothing was changed`, {
        code: 'git.failed',
        cause: err,
        hint: err instanceof Error ? err.message : undefined,
      });
    }
    log(`bumped ${describeVersionFile(flow.versionFile)} ${previous?.version ?? '?'} → ${version} (${bumpCommit.slice(0, 12)})`);
  }
  return { kind, version, branch, base, tag, previous: previous?.version, bumpCommit };
}

function next(kind: FlowKind, v: string): string {
  return kind === 'hotfix' ? incPatch(v) : incMinor(v);
}

/** The higher of the version file on `base` and the highest stable version tag. */
async function currentVersion(flow: Flow, base: string): Promise<{ version: string; where: string } | undefined> {
  const best = highest(await versionTags(flow.repo, flow.tagPrefix), false);
  const fromTag = best && { version: best.version.version, where: `highest stable tag ${best.tag}` };
  if (!flow.versionFile) return fromTag;
  const inFile = await versionAt(flow.repo, base, flow.versionFile);
  const fromFile = { version: inFile, where: `${flow.versionFile.path} on ${base}` };
  return fromTag && isGreater(fromTag.version, inFile) ? fromTag : fromFile;
}
