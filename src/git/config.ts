// Settings of the git module as a deployfile writes them. Types and defaults only:
// this file is imported by tasks.ts and must stay free of simple-git/semver/ini.
import path from 'node:path';

/** Where the version lives: `[parameters]` / `opensky.version = 3.0.1` in an INI file. */
export interface VersionFileConfig {
  /** Path of the INI file, relative to the repo directory (e.g. `opensky/config/version.ini`). */
  path: string;
  /** Section holding the key; `''` for keys before the first section. Default `parameters`. */
  section?: string;
  /** Key holding the version. Default `version`. */
  key?: string;
}

export interface GitConfig {
  /** Repository directory, relative to the deployfile's directory. Default: the deployfile's directory. */
  repoDir?: string;
  /** Prefix of version tags. Default `v` (`v3.0.1`); a non-empty gitflow.prefix.versiontag is honoured. */
  tagPrefix?: string;
  /** Production branch. Default: gitflow.branch.master, else whichever of `main`/`master` exists. */
  production?: string;
  /** Integration branch. Default: gitflow.branch.develop, else `develop`. */
  develop?: string;
  /** Default: gitflow.prefix.hotfix, else `hotfix/`. */
  hotfixPrefix?: string;
  /** Default: gitflow.prefix.release, else `release/`. */
  releasePrefix?: string;
  /** The INI file bumped by start and version.bump. Without it, flows only branch, merge and tag. */
  versionFile?: VersionFileConfig;
  /** Push branches and tags at the end of a finish unless the task says `push=false`. Default false. */
  push?: boolean;
  /** Remote pushed to and fetched from. Default `origin`. */
  remote?: string;
}

export interface VersionFileSpec {
  path: string;
  section: string;
  key: string;
}

export type FlowKind = 'hotfix' | 'release';

export const DEFAULT_TAG_PREFIX = 'v';
export const DEFAULT_REMOTE = 'origin';

export function versionFileSpec(config: GitConfig): VersionFileSpec | undefined {
  const vf = config.versionFile;
  if (!vf) return undefined;
  return { path: vf.path, section: vf.section ?? 'parameters', key: vf.key ?? 'version' };
}

/** The repo a task acts on: config.repoDir against the deployfile's directory. */
export function repoDirOf(config: GitConfig, root: string): string {
  return config.repoDir ? path.resolve(root, config.repoDir) : root;
}

/** How a version file is named in messages: `config/version.ini [parameters] opensky.version`. */
export function describeVersionFile(spec: VersionFileSpec): string {
  return `${spec.path} ${spec.section ? `[${spec.section}] ` : ''}${spec.key}`;
}
