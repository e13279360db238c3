// `version.bump` and `version.show`: the version file on the current branch, bumped
// as a commit of its own, next to what the tags say.
import { DplError, UsageError } from '../core/errors.js';
import { describeVersionFile, type GitConfig, type VersionFileSpec } from './config.js';
import { loadNames } from './flow-config.js';
import type { Log } from './flow.js';
import { highest, versionTags } from './refs.js';
import { assertReady, currentBranch, hasTag } from './repo.js';
import { assertGreater, nextVersion } from './version.js';
import { commitVersion, readVersion, versionAt } from './version-file.js';

export interface BumpResult {
  from: string;
  to: string;
  branch: string;
  sha: string;
  file: string;
}

function requireVersionFile(spec: VersionFileSpec | undefined, action: string): VersionFileSpec {
  if (spec) return spec;
  throw new UsageError(`cannot ${action}: no version file is configured`, {
    code: 'config.invalid',
    hint: "pass versionFile: { path: 'config/version.ini', section: 'parameters', key: 'version' } to gitTasks({...})",
  });
}

/** Bump the version file on the current branch: `patch`, `minor`, `major` or `X.Y.Z`. */
export async function bumpVersion(repoDir: string, to: string, config: GitConfig = {}, log: Log = () => {}): Promise<BumpResult> {
  const names = await loadNames(repoDir, config);
  const { repo, tagPrefix } = names;
  const spec = requireVersionFile(names.versionFile, `bump the version`);
  const from = await versionAt(repo, 'HEAD', spec);
  const next = nextVersion(from, to, tagPrefix);
  const action = `bump the version to ${next}`;
  await assertReady(repo, action);
  const branch = await currentBranch(repo);
  if (!branch) {
    throw new DplError(`refusing to ${action}: HEAD is detached in ${repo.dir}`, {
      code: 'git.ref',
      hint: 'check out the branch the bump belongs on first',
    });
  }
  assertGreater(action, next, from, `${spec.path} on ${branch}`, (v) => `\`dpl version.bump:patch\` (${nextVersion(v, 'patch')}) or a higher X.Y.Z`);
  if (await hasTag(repo, tagPrefix + next)) {
    throw new DplError(`refusing to ${action}: tag ${tagPrefix + next} already exists`, {
      code: 'git.ref',
      hint: `${next} is already released; bump past it`,
    });
  }
  const sha = await commitVersion(repo, spec, next, `Bump version to ${next}`);
  log(`bumped ${describeVersionFile(spec)} ${from} → ${next} on ${branch} (${sha.slice(0, 12)})`);
  return { from, to: next, branch, sha, file: spec.path };
}

export interface VersionInfo {
  /** The version in the working tree file, when a version file is configured. */
  file?: { path: string; version: string };
  /** Highest stable and highest (any) version tag. */
  stable?: string;
  latest?: string;
}

export async function showVersion(repoDir: string, config: GitConfig = {}): Promise<VersionInfo> {
  const names = await loadNames(repoDir, config);
  const info: VersionInfo = {};
  if (names.versionFile) {
    info.file = { path: names.versionFile.path, version: await readVersion(names.repo.dir, names.versionFile) };
  }
  const tags = await versionTags(names.repo, names.tagPrefix);
  info.stable = highest(tags, false)?.tag;
  info.latest = highest(tags, true)?.tag;
  return info;
}
