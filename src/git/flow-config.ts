// Branch names for the git-flow model: what the deployfile says, else what
// `git flow init` recorded in .git/config, else main/master + develop.
import { DplError } from '../core/errors.js';
import {
  DEFAULT_REMOTE,
  DEFAULT_TAG_PREFIX,
  versionFileSpec,
  type FlowKind,
  type GitConfig,
  type VersionFileSpec,
} from './config.js';
import { assertRefName, configValues, hasBranch, hasRemoteBranch, openRepo, type Repo } from './repo.js';

export interface Flow {
  repo: Repo;
  production: string;
  develop: string;
  prefix: Record<FlowKind, string>;
  tagPrefix: string;
  remote: string;
  versionFile?: VersionFileSpec;
  /** The repo's git config (all scopes), for gitflow.* names. */
  settings: Map<string, string>;
}

/** Names only; branches are not required to exist (version.show, version.bump). */
export async function loadNames(repoDir: string, config: GitConfig): Promise<Omit<Flow, 'production' | 'develop'>> {
  const repo = await openRepo(repoDir);
  const settings = await configValues(repo);
  const gf = (key: string) => settings.get(`gitflow.${key}`);
  const tagFromGitflow = gf('prefix.versiontag');
  return {
    repo,
    prefix: {
      hotfix: config.hotfixPrefix ?? gf('prefix.hotfix') ?? 'hotfix/',
      release: config.releasePrefix ?? gf('prefix.release') ?? 'release/',
    },
    tagPrefix: config.tagPrefix ?? (tagFromGitflow || DEFAULT_TAG_PREFIX),
    remote: config.remote ?? DEFAULT_REMOTE,
    versionFile: versionFileSpec(config),
    settings,
  };
}

/** Names plus production and develop, both of which must exist as local branches. */
export async function loadFlow(repoDir: string, config: GitConfig, action: string): Promise<Flow> {
  const names = await loadNames(repoDir, config);
  const { repo } = names;
  const production = await productionBranch(names, config, action);
  const develop = config.develop ?? names.settings.get('gitflow.branch.develop') ?? 'develop';
  await requireBranch(repo, develop, 'develop', names.remote, action, 'set develop in gitTasks({ develop })');
  for (const ref of [production, develop]) await assertRefName(repo, `refs/heads/${ref}`, 'branch');
  return { ...names, production, develop };
}

async function productionBranch(names: Omit<Flow, 'production' | 'develop'>, config: GitConfig, action: string): Promise<string> {
  const { repo, remote } = names;
  const named = config.production ?? names.settings.get('gitflow.branch.master');
  if (named) {
    await requireBranch(repo, named, 'production', remote, action, 'set production in gitTasks({ production })');
    return named;
  }
  const present: string[] = [];
  for (const b of ['main', 'master']) if (await hasBranch(repo, b)) present.push(b);
  if (present.length === 1) return present[0]!;
  if (present.length === 2) {
    throw new DplError(`refusing to ${action}: both main and master exist in ${repo.dir}; which one is production?`, {
      code: 'git.branch',
      hint: "set production: 'main' (or 'master') in gitTasks({...})",
    });
  }
  throw new DplError(`refusing to ${action}: no production branch (neither main nor master exists) in ${repo.dir}`, {
    code: 'git.branch',
    hint: "create it, or name it with production: '<branch>' in gitTasks({...})",
  });
}

async function requireBranch(
  repo: Repo,
  branch: string,
  role: string,
  remote: string,
  action: string,
  configure: string,
): Promise<void> {
  if (await hasBranch(repo, branch)) return;
  const onRemote = await hasRemoteBranch(repo, remote, branch);
  throw new DplError(`refusing to ${action}: the ${role} branch ${branch} does not exist in ${repo.dir}`, {
    code: 'git.branch',
    hint: onRemote
      ? `create it from the remote with \`git branch --track ${branch} ${remote}/${branch}\``
      : `create it (\`git branch ${branch}\`) or ${configure}`,
  });
}
