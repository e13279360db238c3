// Where a host's connection goes: resolved settings, the pool key, and the jump
// route it rides on (ProxyJump from the config, or the pool-wide `jump` option).
import { UsageError } from '../core/errors.js';
import { parseHop } from './config/values.js';
import type { HostSettings } from './config.js';

export interface Route {
  /** Name used in messages (the host's name, or the jump spec). */
  display: string;
  settings: HostSettings;
  /** user@host:port, plus " via <jump key>" when it rides on a jump connection. */
  key: string;
  /**
   * What the pool shares a connection by: the key plus every setting the connection is
   * opened and trusted with (ProxyCommand, known_hosts, strictness, HostKeyAlias, keys,
   * agent forwarding, algorithms...). Two aliases for one address share a connection
   * only when all of it is equal, as two `ssh` runs would make the same connection.
   */
  identity: string;
  via?: Route;
}

function route(display: string, settings: HostSettings, key: string, via?: Route): Route {
  return { display, settings, key, identity: `${directIdentity(settings)}${via ? ` via ${via.identity}` : ''}`, ...(via ? { via } : {}) };
}

/**
 * The pool identity of a connection straight to these settings (no jump host): the
 * settings it is opened with; what only names or paces it (alias, warnings,
 * keepalive, timeout) is left out.
 */
export function directIdentity(s: HostSettings): string {
  const { alias: _alias, missingIdentityFiles: _missing, keepaliveIntervalMs: _k, keepaliveCountMax: _c, connectTimeoutMs: _t, ...opened } = s;
  return JSON.stringify(opened);
}

const MAX_HOPS = 8;

/** One ProxyJump (or -g) element, read as ssh reads it: `[user@]host[:port]` or `ssh://[user@]host[:port]`. */
export function parseJump(spec: string): { hostname: string; user?: string; port?: number } {
  const hop = parseHop(spec.trim());
  if (!hop) throw new UsageError(`invalid jump host ${JSON.stringify(spec)}`, { code: 'ssh-config.invalid', hint: 'use [user@]host[:port]' });
  return { hostname: hop.host, ...(hop.user ? { user: hop.user } : {}), ...(hop.port ? { port: hop.port } : {}) };
}

export type Resolve = (alias: string, given: { user?: string; port?: number }) => Promise<HostSettings>;

export function directKey(s: HostSettings): string {
  return `${s.user}@${s.hostname}:${s.port}`;
}

/**
 * Build the route for `alias`. `chain` (first hop first) overrides the config's
 * ProxyJump, as `ssh -J` does; the last hop's own ProxyJump applies to it.
 */
export async function buildRoute(
  resolve: Resolve,
  display: string,
  alias: string,
  given: { user?: string; port?: number },
  chain: string[] | undefined,
  depth = 0,
): Promise<Route> {
  if (depth > MAX_HOPS) {
    throw new UsageError(`too many jump hops (or a ProxyJump loop) reaching ${display}`, {
      code: 'ssh-config.invalid',
      hint: 'check the ProxyJump settings in your ssh config',
    });
  }
  const settings = await resolve(alias, given);
  const hops = chain ?? settings.proxyJump ?? [];
  if (!hops.length) return route(display, settings, settings.proxyCommand ? `${directKey(settings)} via ProxyCommand` : directKey(settings));
  const last = hops[hops.length - 1]!;
  const rest = hops.slice(0, -1);
  const j = parseJump(last);
  const via = await buildRoute(resolve, last, j.hostname, { user: j.user, port: j.port }, rest.length ? rest : undefined, depth + 1);
  if (directKey(via.settings) === directKey(settings)) return route(display, settings, directKey(settings));
  return route(display, settings, `${directKey(settings)} via ${via.key}`, via);
}
