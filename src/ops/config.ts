// Configuration of the operator tasks (`opsTasks(config)`): the services whose
// logs and state the tasks show, and where releases live on the hosts.
import type { Context } from '../core/context-types.js';
import { UsageError } from '../core/errors.js';

export interface ServiceConfig {
  /** Log file(s) that `monitor:<service>` follows with `tail -F` (`~/` is the login user's home). */
  log?: string | string[];
  /** A command whose output `monitor:<service>` follows instead of / besides the logs, e.g. `journalctl -fu airship`. */
  follow?: string;
  /** A command that prints the service's state; exit 0 means up (e.g. `supervisorctl status airship`). */
  status?: string;
  /** Run this service's commands with sudo (logs readable only by root). */
  sudo?: boolean;
  /** Shown by `dpl --list`. */
  desc?: string;
}

export interface OpsConfig {
  services?: Record<string, ServiceConfig>;
  /**
   * Where releases are deployed (`current`, `history.jsonl`): a fallback, as in
   * releaseTasks. A host's `vars.deployPath` wins, then the deployfile's `config.deployPath`.
   */
  deployPath?: string;
  /** Lines of each log shown before following (default 10). */
  lines?: number;
  /** Hosts at once for monitor/logs/status (default: all). */
  poolSize?: number;
}

export interface NamedService extends ServiceConfig {
  name: string;
  logs: string[];
}

export function serviceNames(config: OpsConfig): string[] {
  return Object.keys(config.services ?? {});
}

/** The services a task invocation asked for (all when `name` is unset). */
export function pickServices(config: OpsConfig, name: string | undefined, task: string): NamedService[] {
  const all = Object.entries(config.services ?? {}).map(([n, s]): NamedService => ({
    ...s,
    name: n,
    logs: s.log === undefined ? [] : Array.isArray(s.log) ? [...s.log] : [s.log],
  }));
  if (name === undefined) return all;
  const found = all.find((s) => s.name === name);
  if (!found) {
    throw new UsageError(`${task}: unknown service "${name}"`, {
      code: 'config.invalid',
      hint: all.length ? `services in the deployfile: ${all.map((s) => s.name).join(', ')}` : 'add services to opsTasks({ services: { name: { log, status } } })',
    });
  }
  return [found];
}

/** The deploy path on this context's host, or undefined when nothing names one. */
export function deployPathOf(c: Context, config: OpsConfig): string | undefined {
  for (const value of [c.host.vars.deployPath, c.session.config.deployPath, config.deployPath]) {
    if (typeof value === 'string' && value) return value;
  }
  return undefined;
}

export function requireDeployPath(c: Context, config: OpsConfig, task: string): string {
  const path = deployPathOf(c, config);
  if (path) return path;
  throw new UsageError(`${task}: no deploy path for ${c.host.name}`, {
    code: 'config.invalid',
    hint: 'set opsTasks({ deployPath }), the host var deployPath, or config.deployPath in the deployfile',
  });
}
