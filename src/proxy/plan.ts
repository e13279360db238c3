// Which servers change, computed from what the load balancer reports now. Pure:
// no I/O, so every refusal rule is testable without an LB.
import { HostError } from '../core/errors.js';
import { serverKey, type ServerChange, type ServerState } from './driver.js';
import type { Member, Model } from './model.js';

export interface RotationPlan {
  lb: string;
  /** Readies and drains to apply in one write. */
  changes: ServerChange[];
  /** Servers of the incoming groups, as they are now (every backend). */
  incoming: ServerState[];
  /** Servers of the outgoing groups, as they are now. */
  outgoing: ServerState[];
  /** Incoming servers not yet ready: they must pass health checks first. */
  toVerify: ServerState[];
}

/** Find every member's server in every backend; unknown names fail with the names the LB has. */
export function memberStates(lb: string, states: readonly ServerState[], model: Model): Map<string, { member: Member; state: ServerState }> {
  const out = new Map<string, { member: Member; state: ServerState }>();
  const missing: string[] = [];
  for (const backend of model.backends) {
    for (const member of model.members) {
      const state = states.find((s) => s.backend === backend && s.server === member.server);
      if (state) out.set(serverKey(state), { member, state });
      else missing.push(`${backend}/${member.server} (group ${member.group})`);
    }
  }
  if (missing.length) {
    const has = model.backends
      .map((b) => `${b}: ${states.filter((s) => s.backend === b).map((s) => s.server).join(', ') || 'no servers'}`)
      .join('; ');
    throw new HostError(lb, `the load balancer has no server ${missing.join(', ')}; it has ${has}`, {
      code: 'proxy.failed',
      hint: 'fix the group members in the proxy config (or the hosts\' `lbServer` vars) to match the LB\'s server names',
    });
  }
  return out;
}

export function planRotation(lb: string, states: readonly ServerState[], model: Model, incomingGroups: readonly string[]): RotationPlan {
  const plan: RotationPlan = { lb, changes: [], incoming: [], outgoing: [], toVerify: [] };
  for (const { member, state } of memberStates(lb, states, model).values()) {
    if (incomingGroups.includes(member.group)) {
      plan.incoming.push(state);
      if (state.admin !== 'ready') {
        plan.toVerify.push(state);
        plan.changes.push({ backend: state.backend, server: state.server, state: 'ready' });
      }
    } else {
      plan.outgoing.push(state);
      // A server in maint stays there (someone is working on it); only ready ones drain.
      if (state.admin === 'ready') plan.changes.push({ backend: state.backend, server: state.server, state: 'drain' });
    }
  }
  return plan;
}

/**
 * Refuse a change after which some backend has no server taking traffic.
 * Incoming servers count when they will be verified; with `force` only when the LB
 * does not already report them DOWN. Servers outside every group count when ready and up.
 */
export function assertSomethingLive(plan: RotationPlan, states: readonly ServerState[], model: Model, force: boolean): void {
  const managed = new Set(model.members.map((m) => m.server));
  for (const backend of model.backends) {
    const incoming = plan.incoming.filter((s) => s.backend === backend);
    const liveIncoming = incoming.filter((s) => !force || s.health !== 'down' || s.admin === 'maint');
    const liveOthers = states.filter(
      (s) => s.backend === backend && !managed.has(s.server) && s.admin === 'ready' && s.health !== 'down',
    );
    if (liveIncoming.length + liveOthers.length > 0) continue;
    const described = states
      .filter((s) => s.backend === backend)
      .map((s) => {
        const to = plan.changes.find((c) => serverKey(c) === serverKey(s))?.state ?? s.admin;
        return `${s.server} ${to}${to === 'ready' && s.status ? ` but ${s.status}` : ''}`;
      })
      .join(', ');
    throw new HostError(plan.lb, `refusing: this change would leave no server live in backend ${backend} (after it: ${described})`, {
      code: 'proxy.failed',
      hint: 'bring the incoming servers up first (their health checks must pass), then try again; `proxy.status` shows each server',
    });
  }
}

export function describeChanges(changes: readonly ServerChange[]): string {
  if (changes.length === 0) return 'no change';
  const by = new Map<string, string[]>();
  for (const c of changes) by.set(c.state, [...(by.get(c.state) ?? []), serverKey(c)]);
  return [...by.entries()].map(([state, names]) => `${names.join(', ')} → ${state}`).join('; ');
}
