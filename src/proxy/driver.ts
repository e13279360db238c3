// The one interface every load balancer sits behind. The rotation logic (plan,
// apply, groups) only talks to this, so HAProxy and nginx are interchangeable and
// the state of rotation is always read back from the load balancer itself.
import type { Host } from '../core/host.js';

/** Administrative state: `ready` takes traffic, `drain` finishes what it has (HAProxy still health-checks it), `maint` is off. */
export type AdminState = 'ready' | 'drain' | 'maint';

/**
 * What the load balancer's own checks say: `up`; `failing` (up, but the last check
 * failed); `down` (includes recovering); `unchecked` (no check, or checks paused by maint).
 */
export type Health = 'up' | 'failing' | 'down' | 'unchecked';

export interface ServerRef {
  backend: string;
  server: string;
}

export interface ServerState extends ServerRef {
  admin: AdminState;
  health: Health;
  /** The load balancer's own words, e.g. "UP", "DOWN 1/2", "DRAIN" (HAProxy `status`). */
  status: string;
  /** Last check result in words, e.g. "L7OK 200", "L4CON: Connection refused"; "" when none. The words vary with timing. */
  check: string;
  /** Last check's status code ("L4CON", "L7STS", "L7OK"), without HAProxy's in-progress "* "; absent when none. */
  checkStatus?: string;
  /** Current sessions (HAProxy `scur`); undefined when the LB cannot tell. */
  sessions?: number;
  /** Responses with a 5xx status since the last reload; undefined when unknown. */
  errors5xx?: number;
  /** Where the LB's checks go ("127.0.10.1:8080"): used to probe a node from the LB host. */
  checkAddress?: { host: string; port: number };
}

export interface ServerChange extends ServerRef {
  state: AdminState;
}

export interface LbState {
  servers: ServerState[];
  /** Set when this connection could read but not change state (e.g. HAProxy socket at level operator). */
  readOnly?: { reason: string; hint: string };
}

/** Something still holding traffic for servers being drained. */
export interface Pending {
  /** "app/web0", or "nginx worker 1234 (old configuration)". */
  what: string;
  /** Open sessions when the LB can count them. */
  sessions?: number;
}

export interface LoadBalancerDriver {
  readonly kind: 'haproxy' | 'nginx';
  /** The load balancer host (reached through `Run.transport`). */
  readonly lb: Host;
  /** Human description of where state comes from, e.g. "admin socket /run/haproxy/admin.sock". */
  readonly endpoint: string;
  /** True when the LB keeps health-checking servers that are out of rotation (HAProxy drain). */
  readonly checksWhileOut: boolean;
  /** Every server of the configured backends as the load balancer reports it now. */
  readState(): Promise<LbState>;
  /** Apply the changes in one step, `ready` ones before the others. Refuses partial knowledge: names are checked first. */
  setStates(changes: readonly ServerChange[]): Promise<void>;
  /** What still holds traffic for these servers; empty when they are drained. */
  pending(servers: readonly ServerRef[]): Promise<Pending[]>;
}

export function serverKey(s: ServerRef): string {
  return `${s.backend}/${s.server}`;
}

/** Readies first, then drains and maints: the incoming group takes traffic before the outgoing one stops. */
export function orderChanges(changes: readonly ServerChange[]): ServerChange[] {
  const rank = (c: ServerChange): number => (c.state === 'ready' ? 0 : c.state === 'drain' ? 1 : 2);
  return [...changes].sort((a, b) => rank(a) - rank(b));
}
