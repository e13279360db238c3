// The shape of a deployfile's default export, and the function that builds it.
import type { HostSpec, HostSpecObject } from './host.js';
import type { CollectionEntries } from './task.js';
import type { Run } from './context-types.js';

/** A role is a static host list or a generated inventory (called once per run). */
export type RoleSource = HostSpec[] | ((run: Run) => Promise<HostSpec[]> | HostSpec[]);

export interface DeployfileDefaults {
  /** Login user when neither the host nor ~/.ssh/config names one. */
  user?: string;
  port?: number;
  /** Default pool size for parallel tasks. */
  poolSize?: number;
  /** Default per-command timeout. */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** ssh config file used instead of ~/.ssh/config. */
  sshConfig?: string;
  knownHosts?: string;
}

export interface DeployfileDefinition {
  readonly kind: 'deployfile';
  /** Inventory: host name → where it is and its variables. */
  hosts?: Record<string, HostSpecObject | string>;
  roles?: Record<string, RoleSource>;
  tasks: CollectionEntries;
  defaults?: DeployfileDefaults;
  /** Free-form settings for modules and tasks (`c.session.config`). */
  config?: Record<string, unknown>;
}

export function deployfile(def: Omit<DeployfileDefinition, 'kind'>): DeployfileDefinition {
  if (!def || typeof def !== 'object' || !def.tasks || typeof def.tasks !== 'object') {
    throw new TypeError('deployfile({ tasks }) needs a tasks object');
  }
  return { kind: 'deployfile', ...def };
}

export function isDeployfile(value: unknown): value is DeployfileDefinition {
  return !!value && typeof value === 'object' && (value as { kind?: unknown }).kind === 'deployfile';
}
