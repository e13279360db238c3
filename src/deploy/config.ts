// What a deployfile writes in `releaseTasks({...})`, the hook signatures, and the
// defaults. Types and small pure helpers only: tasks.ts imports this file and must
// stay cheap, so nothing here loads git, ssh or the deploy machinery.
import path from 'node:path';
import type { Context } from '../core/context-types.js';
import type { Host, HostVars } from '../core/host.js';
import type { ResolvedRef } from '../git/describe.js';
import type { ProxyConfig } from '../proxy/config.js';
import type { RolloutConfig } from '../rollout/config.js';
import type { SecretSource } from '../secrets/sources.js';
import { UsageError } from '../core/errors.js';

/**
 * Where a release comes from:
 * - `git`: each host keeps a bare mirror (`<deployPath>/repo`), fetches, exports the SHA;
 * - `upload`: built once here (config `build`), uploaded as a tarball to every host;
 * - `pull`: `git fetch` + checkout in place in `<deployPath>/current` (no barrier; see docs/deploy.md).
 */
export type Strategy = 'git' | 'upload' | 'pull';

/** A release's state in a host's history (.dpl-history). */
export type ReleaseStatus = 'prepared' | 'deployed' | 'failed' | 'rolled-back' | 'removed';

/** One host's view of the release being deployed (or rolled back to). */
export interface HostRelease {
  host: Host;
  /** Release name, a UTC timestamp: `20261122T153000Z`. */
  name: string;
  /** Absolute path of the release directory (for `pull`: `<deployPath>/current`). */
  path: string;
  deployPath: string;
  /** The release that was live before, when there was one. */
  previous?: string;
  ref: ResolvedRef;
  strategy: Strategy;
}

/** The whole deploy, for hooks that run once (locally). */
export interface DeployInfo {
  release: string;
  ref: ResolvedRef;
  hosts: Host[];
  strategy: Strategy;
}

/** Runs on one host; `c` is already in the release directory with DPL_* variables set. */
export type HostHook<V extends HostVars = HostVars> = (c: Context<V>, release: HostRelease) => Promise<void> | void;
/** Runs once, locally; `c` is the orchestrating context (`c.targets.hosts` = the hosts). */
export type RunHook<V extends HostVars = HostVars> = (c: Context<V>, deploy: DeployInfo) => Promise<void> | void;

// Written as methods so that hooks typed for a deployfile's own host variables
// (`release<Vars>({...})`) are hooks dpl's deploy code can call.
export interface ReleaseHooks<V extends HostVars = HostVars> {
  /** Once, after the lock and before any host is prepared. */
  beforePrepare?(c: Context<V>, deploy: DeployInfo): Promise<void> | void;
  /** Every host, in the new release directory (install dependencies, build assets). */
  afterPrepare?(c: Context<V>, release: HostRelease): Promise<void> | void;
  /** Once, after every host prepared and the `once` steps ran, just before the switch. */
  beforeSwitch?(c: Context<V>, deploy: DeployInfo): Promise<void> | void;
  /** Every host, after all hosts switched. */
  afterSwitch?(c: Context<V>, release: HostRelease): Promise<void> | void;
  /** Every host, after the switch and after a rollback (besides `services.restart`). */
  restart?(c: Context<V>, release: HostRelease): Promise<void> | void;
  /** Once, after the release was recorded as deployed everywhere. */
  afterDeploy?(c: Context<V>, deploy: DeployInfo): Promise<void> | void;
  /** Once, after a rollback finished. */
  afterRollback?(c: Context<V>, deploy: DeployInfo): Promise<void> | void;
  /** Once, when a deploy failed (after undoing); for notifications. Errors here are only warned about. */
  onFailure?(c: Context<V>, deploy: DeployInfo, error: Error): Promise<void> | void;
  /**
   * Once, locally, before a rollback to a release older than applied migrations switches anything:
   * undo `undo.migrations` (newest first). Throwing stops the rollback; nothing switches.
   */
  rollbackMigrations?(c: Context<V>, undo: MigrationUndo): Promise<void> | void;
}

/** What a rollback's rollbackMigrations hook is asked to undo. */
export interface MigrationUndo {
  /** The release rolled back to. */
  release: string;
  /** Newest first; `release` is the one whose once step applied it (its directory holds the down migration). */
  migrations: Array<{ name: string; release: string }>;
  /** The hosts the rollback switches. */
  hosts: Host[];
}

/** Work done once per role between prepare and switch (database migrations). */
export interface OnceStep<V extends HostVars = HostVars> {
  /** Shown in output. */
  name?: string;
  /** Runs on the first target host of this role; without a role, on the first target host. */
  role?: string;
  /**
   * The step applies migrations: after it succeeds, dpl lists the migration files the release
   * added over the previous one (in these directories of the release; `true`: db/migrate/,
   * migrations/, alembic/versions/) and records them in history.jsonl, so a rollback past them refuses.
   */
  migrations?: boolean | string[];
  run(c: Context<V>, release: HostRelease): Promise<void> | void;
}

export type ServiceManager = 'systemctl' | 'supervisorctl' | 'service' | 'initd';

export interface ServicesConfig {
  /** How services are driven: a known manager or templates where `{service}` is the quoted name. */
  manager?: ServiceManager | { restart: string; reload?: string };
  /** Restarted on every host after a switch or rollback. */
  restart?: string[];
  /** Reloaded on every host after a switch or rollback. */
  reload?: string[];
  /** Other service names `restart:<name>` / `reload:<name>` accept. */
  names?: string[];
  /** Run the commands through `c.sudo`. Default false. */
  sudo?: boolean;
}

/** `V`: the deployfile's host variables, as the hooks see them (`release<Vars>({...})`). */
export interface ReleaseConfig<V extends HostVars = HostVars> {
  /** The load balancer in front of the hosts: rollouts drain and restore batches through it. */
  proxy?: ProxyConfig;
  /** Canary → half → rest with health checks and automatic rollback (also with `deploy:ref,plan=1;50%`). */
  rollout?: RolloutConfig | false;
  /** Default `git`. */
  strategy?: Strategy;
  /** Fallback deploy path; a host var `deployPath` or deployfile `config.deployPath` wins. */
  deployPath?: string;
  /** Local repository for resolving refs and building artifacts, relative to the deployfile. Default: its directory. */
  repoDir?: string;
  /** URL (or path) the hosts fetch from (`git`, `pull`). Default: the local repo's `remote` URL. */
  repoUrl?: string;
  /** Default `origin`. */
  remote?: string;
  /** Version tag prefix for stable/latest. Default `v`. */
  tagPrefix?: string;
  /** Fetch the local repo's remote before resolving the ref. Default false. */
  fetch?: boolean;
  /** Ref deployed by a bare `dpl deploy`. Default `stable`. */
  defaultRef?: string;
  /**
   * `upload` strategy: run `command` in a clean export of the SHA, then ship `output` (default `.`).
   * `reuse` (default true): hard-link files unchanged since the live release instead of sending them
   * (releases then share those files: never modify a release's files in place; docs/deploy.md).
   * `compress` (default false): gzip the shipped tar, for slow links (every host then inflates it).
   */
  build?: { command?: string; output?: string; env?: Record<string, string>; reuse?: boolean; compress?: boolean };
  /**
   * Make a new release from the live one: the files unchanged since are hard links to the live
   * release's, and only the rest is written; the release is still exactly the commit's tree (or
   * the build). Releases then share those files, so a file written in place in one release (an
   * edit on the host, `echo >> file`) changes it in all that share it: keep releases read-only
   * (docs/deploy.md). Default false for git (every release a full `git archive` export), true for
   * upload, which ships only what changed (`build.reuse` says the same for upload).
   */
  reuse?: boolean;
  /** Paths under `<deployPath>/shared/` linked into every release. */
  shared?: { dirs?: string[]; files?: string[] };
  /** Good releases kept by cleanup. Default 5. */
  keep?: number;
  /** Clean up after a successful deploy. Default true. */
  cleanup?: boolean;
  /** Hosts worked on at once. Default: `-z`, else 10. */
  poolSize?: number;
  /** When a step after the switch fails, switch every host back to its previous release. Default true. */
  autoRollback?: boolean;
  hooks?: ReleaseHooks<V>;
  once?: OnceStep<V>[];
  services?: ServicesConfig;
  /** The tasks' own targets (otherwise -H, -R or an environment task like `prod` choose). */
  roles?: string[];
  hosts?: string[];
  /** Where migrations live, for deploy.pending's "migrations added" (default db/migrate/, migrations/, alembic/versions/). */
  migrations?: string[];
  /**
   * App secrets, read on this machine when a deploy needs them (`pass('app/db')`, `onePassword('op://…')`...),
   * masked in all output, written to `shared/<secretsFile>` (0600) on every host; docs/secrets.md.
   */
  secrets?: Record<string, SecretSource>;
  /** The file in `<deployPath>/shared/` (linked into each release) that holds `secrets`; false: none (hooks only). Default `.env`. */
  secretsFile?: string | false;
  /** Tag the deployed commit in the local repo (`deploy/<environment>/<time>`). */
  deployTag?: { environment?: string; push?: boolean };
}

export const DEFAULT_KEEP = 5;
export const DEFAULT_POOL = 10;

export function strategyOf(config: ReleaseConfig): Strategy {
  const s = config.strategy ?? 'git';
  if (s !== 'git' && s !== 'upload' && s !== 'pull') {
    throw new UsageError(`releaseTasks: unknown strategy ${JSON.stringify(s)}`, { code: 'config.invalid', hint: 'use git, upload or pull' });
  }
  return s;
}

export function repoDirOf(config: ReleaseConfig, root: string): string {
  return config.repoDir ? path.resolve(root, config.repoDir) : root;
}

export function poolSizeOf(config: ReleaseConfig, c: Context): number {
  return Math.max(1, config.poolSize ?? c.session.flags.poolSize ?? DEFAULT_POOL);
}

export function keepOf(config: ReleaseConfig, override?: number): number {
  const keep = override ?? config.keep ?? DEFAULT_KEEP;
  if (!Number.isInteger(keep) || keep < 1) throw new UsageError(`keep must be a whole number of at least 1, got ${keep}`, { code: 'config.invalid' });
  return keep;
}

/** Host var `deployPath` > deployfile `config.deployPath` > releaseTasks `deployPath`. */
export function deployPathOf(host: Host, config: ReleaseConfig, c: Context): string {
  const value = host.vars.deployPath ?? c.session.config.deployPath ?? config.deployPath;
  if (typeof value !== 'string' || !value) {
    throw new UsageError(`no deploy path for ${host.name}`, {
      code: 'config.invalid',
      hint: 'set the host var deployPath, config.deployPath in the deployfile, or deployPath in releaseTasks({...})',
    });
  }
  if (!value.startsWith('/') || value.split('/').includes('..')) {
    throw new UsageError(`deploy path of ${host.name} must be absolute and without "..": ${JSON.stringify(value)}`, { code: 'config.invalid' });
  }
  return value.length > 1 ? value.replace(/\/+$/, '') : value;
}

/** Shared paths are relative, inside the release, and never `..`. */
export function checkSharedPath(p: string): string {
  const clean = p.replace(/\/+$/, '');
  if (!clean || clean.startsWith('/') || clean.split('/').some((s) => s === '..' || s === '.' || s === '')) {
    throw new UsageError(`shared path ${JSON.stringify(p)} must be relative to the release, without "." or ".." parts`, { code: 'config.invalid' });
  }
  return clean;
}
