// One rotation change across every LB: read and plan everywhere, check the
// incoming servers' health, then one write per LB (readies before drains), then
// wait for the drained servers' sessions to end. Nothing is written anywhere
// until every LB has been read and every check has passed.
import { internal } from '../core/internal.js';
import { HostError, UsageError } from '../core/errors.js';
import type { Context } from '../core/context-types.js';
import type { ProxyConfig } from './config.js';
import { serverKey, type LbState, type LoadBalancerDriver, type Pending, type ServerRef } from './driver.js';
import { sleep, verifyHealthy } from './health.js';
import { onEveryLb, openDrivers } from './lbs.js';
import { proxyEvent } from './events.js';
import { resolveModel } from './model.js';
import { assertSomethingLive, describeChanges, planRotation, type RotationPlan } from './plan.js';

export interface RotateOptions {
  /** Groups that end up in rotation; every other group drains. */
  incoming: string[];
  force?: boolean;
  drainTimeoutMs?: number;
}

export interface LbOutcome {
  lb: string;
  changes: string;
  drained: boolean;
  pending: Pending[];
}

interface Step {
  driver: LoadBalancerDriver;
  state: LbState;
  plan: RotationPlan;
}

export async function rotate(c: Context, config: ProxyConfig, o: RotateOptions): Promise<LbOutcome[]> {
  const model = await resolveModel(internal(c).runImpl, config);
  const unknown = o.incoming.filter((g) => !model.groups.includes(g));
  if (unknown.length) throw new UsageError(`proxy: unknown group ${unknown.join(', ')}; groups: ${model.groups.join(', ')}`);
  const force = o.force ?? false;
  const drivers = await openDrivers(internal(c).runImpl, config, model);

  const steps = await onEveryLb('proxy: reading the load balancers', drivers.map((driver) => ({ driver })), async ({ driver }) => {
    const state = await driver.readState();
    const plan = planRotation(driver.lb.name, state.servers, model, o.incoming);
    if (plan.changes.length && state.readOnly) throw new HostError(driver.lb.name, state.readOnly.reason, { code: 'proxy.failed', hint: state.readOnly.hint });
    assertSomethingLive(plan, state.servers, model, force);
    return { driver, state, plan } satisfies Step;
  });

  if (force) {
    for (const s of steps.filter((s) => s.plan.toVerify.length)) {
      proxyEvent(c, 'proxy.unchecked', { lb: s.driver.lb.name, servers: s.plan.toVerify.map(serverKey) });
    }
  } else {
    await onEveryLb('proxy: health checks', steps, (s) =>
      verifyHealthy({
        driver: s.driver,
        transport: () => internal(c).runImpl.transport(s.driver.lb),
        servers: s.plan.toVerify,
        health: config.health ?? {},
        signal: c.session.signal,
        onWait: (failing) => proxyEvent(c, 'proxy.waiting', { lb: s.driver.lb.name, failing: Object.fromEntries(failing) }),
      }),
    );
  }

  // Write everywhere; report each LB that changed even when another one failed.
  await onEveryLb('proxy: changing rotation', steps, async (s) => {
    await s.driver.setStates(s.plan.changes);
    const before = new Map(s.state.servers.map((x) => [serverKey(x), x.admin]));
    const changes = s.plan.changes.map((ch) => ({ ...ch, from: before.get(serverKey(ch)) }));
    proxyEvent(c, 'proxy.change', { lb: s.driver.lb.name, endpoint: s.driver.endpoint, action: 'rotate', groups: o.incoming, changes });
  });

  const timeout = o.drainTimeoutMs ?? config.drainTimeoutMs ?? 60_000;
  return onEveryLb('proxy: draining', steps, async (s) => {
    const refs: ServerRef[] = s.plan.outgoing.map(({ backend, server }) => ({ backend, server }));
    const pending = await waitDrained(c, s.driver, refs, timeout, config.pollMs ?? 500);
    return { lb: s.driver.lb.name, changes: describeChanges(s.plan.changes), drained: pending.length === 0, pending };
  });
}

/** Poll until nothing holds traffic for `servers`; on timeout warn, naming what is still open. */
export async function waitDrained(
  c: Context,
  driver: LoadBalancerDriver,
  servers: readonly ServerRef[],
  timeoutMs: number,
  pollMs: number,
): Promise<Pending[]> {
  const started = Date.now();
  let lastNote = started;
  let pending = await driver.pending(servers);
  while (pending.length) {
    const waited = Date.now() - started;
    if (waited >= timeoutMs || c.session.signal.aborted) {
      proxyEvent(c, 'proxy.drain', { lb: driver.lb.name, state: 'timeout', elapsedMs: waited, timeoutMs, pending });
      return pending;
    }
    if (Date.now() - lastNote >= 5000) {
      lastNote = Date.now();
      proxyEvent(c, 'proxy.drain', { lb: driver.lb.name, state: 'waiting', elapsedMs: waited, timeoutMs, pending });
    }
    await sleep(Math.min(pollMs, timeoutMs - waited), c.session.signal);
    pending = await driver.pending(servers);
  }
  const elapsedMs = Date.now() - started;
  if (elapsedMs > pollMs) proxyEvent(c, 'proxy.drain', { lb: driver.lb.name, state: 'done', elapsedMs, timeoutMs, pending: [] });
  return pending;
}
