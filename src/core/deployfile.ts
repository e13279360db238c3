// The shape of a deployfile's default export, and the function that builds it.
// `deployfile<Vars, EnvVars>()` types the host variables (`c.host.vars`) and the
// environments' variables (`c.environment.vars`) for every task written inline.
import type { HostSpec, HostSpecObject, HostVars } from './host.js';
import type { CollectionEntries } from './task.js';
import type { Session } from './context-types.js';
import type { RunLogConfig } from '../reporters/run-log-config.js';

/** A role is a static host list or a generated inventory (called once per run and environment). */
export type RoleSource = HostSpec[] | ((session: Session) => Promise<HostSpec[]> | HostSpec[]);

export interface DeployfileDefaults {
  /** Login user when neither the host, the command line nor the ssh config names one. */
  user?: string;
  port?: number;
  /** Default pool size for parallel tasks. */
  poolSize?: number;
  /**
   * Open SSH connections at most (default 1000; `--max-connections` wins). Past it, idle
   * connections close, least recently used first, and reopen when next needed.
   */
  maxConnections?: number;
  /** Default per-command timeout. */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** ssh config file used instead of ~/.ssh/config. */
  sshConfig?: string;
  knownHosts?: string;
  /**
   * How commands run on every host (a host's own `shell` wins). Unset: as the login
   * shell runs `ssh host cmd` (non-login, fastest). `'bash -l -c'`: a login bash that
   * reads the profile (rbenv, nvm), which costs what the profile costs on every command.
   */
  shell?: string;
  /** Every command gets a pseudo-terminal (stdout and stderr merged, no EOF on stdin). */
  pty?: boolean;
}

/** An environment: which hosts play which role in it, and its own variables. */
export interface EnvironmentSpec<EV = Record<string, unknown>> {
  desc?: string;
  /** Role name → hosts, in this environment (they win over the deployfile's `roles`). */
  roles?: Record<string, RoleSource>;
  /** The hosts choosing the environment selects (default: every host of its roles). */
  hosts?: HostSpec[];
  vars?: EV;
  /** Deploys to it ask before they start (`--yes` answers). */
  confirm?: boolean;
}

export interface DeployfileSpec<V extends HostVars = HostVars, EV = Record<string, unknown>> {
  /** Inventory: host name → where it is and its variables. */
  hosts?: Record<string, HostSpecObject<V> | string>;
  roles?: Record<string, RoleSource>;
  /** Each is a task (`dpl production deploy`) and a flag (`-E production`). */
  environments?: Record<string, EnvironmentSpec<EV>>;
  tasks: CollectionEntries<V>;
  defaults?: DeployfileDefaults;
  /** Free-form settings for modules and tasks (`c.session.config`); dpl reads a few itself. */
  config?: DeployfileConfig;
}

/** `config` of a deployfile: any settings, and the ones dpl itself reads, typed. */
export interface DeployfileConfig {
  /** Run logs under .dpl/logs: how many are kept, how big they grow; `false` turns them off. */
  runLog?: RunLogConfig | false;
  [setting: string]: unknown;
}

export interface DeployfileDefinition<V extends HostVars = HostVars, EV = Record<string, unknown>> extends DeployfileSpec<V, EV> {
  readonly kind: 'deployfile';
}

/**
 * A deployfile as dpl's own code reads it, whatever the types of its variables:
 * every DeployfileDefinition is one (tasks take a context for *some* host
 * variables; dpl hands them the host the inventory describes).
 */
export interface AnyDeployfile {
  readonly kind: 'deployfile';
  hosts?: Record<string, HostSpecObject | string>;
  roles?: Record<string, RoleSource>;
  environments?: Record<string, EnvironmentSpec<unknown>>;
  tasks: CollectionEntries<never>;
  defaults?: DeployfileDefaults;
  config?: Record<string, unknown>;
}

export function deployfile<V extends HostVars = HostVars, EV = Record<string, unknown>>(def: DeployfileSpec<V, EV>): DeployfileDefinition<V, EV> {
  if (!def || typeof def !== 'object' || !def.tasks || typeof def.tasks !== 'object') {
    throw new TypeError('deployfile({ tasks }) needs a tasks object');
  }
  for (const name of Object.keys(def.environments ?? {})) {
    if (name in def.tasks) throw new TypeError(`environment "${name}" has the name of a task: an environment is a task of its own`);
  }
  return { kind: 'deployfile', ...def };
}

export function isDeployfile(value: unknown): value is AnyDeployfile {
  return !!value && typeof value === 'object' && (value as { kind?: unknown }).kind === 'deployfile';
}
