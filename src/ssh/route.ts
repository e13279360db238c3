// Where a host's connection goes: resolved settings, the pool key, and the jump
// route it rides on (ProxyJump from the config, or the pool-wide `jump` option).
import { UsageError } from '../core/errors.js';
import { parseHostString } from '../core/host.js';
import type { HostSettings } from './config.js';

export interface Route {
  /** Name used in messages (the host's name, or the jump spec). */
  display: string;
  settings: HostSettings;
  /** user@host:port, plus " via <jump key>" when it rides on a jump connection. */
  key: string;
  via?: Route;
}

const MAX_HOPS = 8;

/** One ProxyJump element: `[user@]host[:port]` or `ssh://[user@]host[:port]`. */
export function parseJump(spec: string): { hostname: string; user?: string; port?: number } {
  const s = spec.trim().replace(/^ssh:\/\//, '');
  try {
    return parseHostString(s);
  } catch {
    throw new UsageError(`invalid jump host ${JSON.stringify(spec)}`, { hint: 'use [user@]host[:port]' });
  }
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
      hint: 'check the ProxyJump settings in your ssh config',
    });
  }
  const settings = await resolve(alias, given);
  const hops = chain ?? settings.proxyJump ?? [];
  if (!hops.length) return { display, settings, key: settings.proxyCommand ? `${directKey(settings)} via ProxyCommand` : directKey(settings) };
  const last = hops[hops.length - 1]!;
  const rest = hops.slice(0, -1);
  const j = parseJump(last);
  const via = await buildRoute(resolve, last, j.hostname, { user: j.user, port: j.port }, rest.length ? rest : undefined, depth + 1);
  if (directKey(via.settings) === directKey(settings)) return { display, settings, key: directKey(settings) };
  return { display, settings, key: `${directKey(settings)} via ${via.key}`, via };
}
