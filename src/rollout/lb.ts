// The load balancers as a rollout sees them: each target host's servers (by the
// proxy config's `serverVar`, as `proxy.*` does), taking a batch out and putting it
// back through the proxy drivers, and HAProxy's counters for the bake. Everything
// is read live from every LB; nothing is remembered but the starting admin states.
import { internal } from '../core/internal.js';
import { HostError, UsageError } from '../core/errors.js';
import type { Context } from '../core/context-types.js';
import type { Host } from '../core/host.js';
import { fanOut, type FanOut } from '../core/fanout.js';
import { backendsOf, type ProxyConfig } from '../proxy/config.js';
import type { AdminState, LoadBalancerDriver, ServerState } from '../proxy/driver.js';
import { onEveryLb, openDrivers } from '../proxy/lbs.js';
import { proxyEvent } from '../proxy/events.js';
import { serverOf } from '../proxy/model.js';
import { waitDrained } from '../proxy/apply.js';
import { verifyHealthy } from '../proxy/health.js';
import { HaproxyDriver } from '../proxy/haproxy-driver.js';
import { countersOf, type ServerCounters, type Snapshot } from './error-rate.js';
import { capacityProblems, keyOf, mergeViews, toDrain, toRestore, type ServerView } from './rotation.js';
import { WeightedCanary } from './weights.js';

export class RolloutLb {
  /** Weights changed for a weighted batch (plan step "10%w"), set back on promotion or at the end. */
  readonly weighted: WeightedCanary;

  private constructor(
    private readonly config: ProxyConfig,
    readonly drivers: LoadBalancerDriver[],
    /** host name → `backend/server` keys. */
    readonly keys: ReadonlyMap<string, string[]>,
    readonly initial: ReadonlyMap<string, AdminState>,
    /** Where the LB sends a host's traffic (HAProxy's server address), for the health check's default. */
    readonly addresses: ReadonlyMap<string, { host: string; port: number }>,
    readonly views0: readonly ServerView[],
  ) {
    this.weighted = new WeightedCanary(drivers);
  }

  /** `partial`: a host the LB has no server for is left out (a recovery drains what it can) rather than refused. */
  static async open(c: Context, config: ProxyConfig, hosts: readonly Host[], o: { partial?: boolean } = {}): Promise<RolloutLb> {
    const lbSel = typeof config.lb === 'string' ? { hosts: [config.lb] } : Array.isArray(config.lb) ? { hosts: config.lb } : config.lb;
    const lbs = await c.session.resolveHosts(lbSel);
    if (!lbs.length) throw new UsageError('rollout: the proxy config `lb` resolved to no host', { code: 'config.invalid', hint: 'check `lb` in the proxy config' });
    const backends = backendsOf(config);
    const drivers = await openDrivers(internal(c).runImpl, config, { lbs, backends, groups: [], members: [] });
    const perLb = await onEveryLb('rollout: reading the load balancers', drivers.map((driver) => ({ driver })), async ({ driver }) => {
      const state = await driver.readState();
      if (state.readOnly) throw new HostError(driver.lb.name, state.readOnly.reason, { code: 'proxy.failed', hint: state.readOnly.hint });
      return state.servers;
    });
    const views = mergeViews(perLb);
    const keys = new Map<string, string[]>();
    const addresses = new Map<string, { host: string; port: number }>();
    const missing: string[] = [];
    for (const h of hosts) {
      const server = serverOf(h, config.serverVar);
      const mine = views.filter((v) => v.server === server).map((v) => v.key);
      if (!mine.length) missing.push(`${h.name} (server ${server})`);
      keys.set(h.name, mine);
      const addr = perLb.flat().find((s) => s.server === server)?.checkAddress;
      if (addr) addresses.set(h.name, addr);
    }
    if (missing.length && !o.partial) {
      const has = [...new Set(views.map((v) => v.server))].join(', ') || 'none';
      throw new UsageError(`rollout: the load balancer has no server for ${missing.join(', ')} in backend ${backends.join(', ')}; it has ${has}`, {
        code: 'config.invalid',
        hint: `give each host \`vars: { ${config.serverVar ?? 'lbServer'}: '<server name>' }\` (or name hosts like the LB's servers)`,
      });
    }
    const initial = new Map(views.map((v) => [v.key, v.admin] as const));
    return new RolloutLb(config, drivers, keys, initial, addresses, views);
  }

  keysOf(hosts: readonly Host[]): string[] {
    return hosts.flatMap((h) => this.keys.get(h.name) ?? []);
  }

  /** Every server's state on every LB, merged. */
  async views(): Promise<ServerView[]> {
    return mergeViews(await this.states());
  }

  private states(): Promise<ServerState[][]> {
    return onEveryLb('rollout: reading the load balancers', this.drivers.map((driver) => ({ driver })), async ({ driver }) => (await driver.readState()).servers);
  }

  /** Drain the batch's servers on every LB, then wait for their sessions to end. Refuses to leave a backend with nothing live. */
  async takeOut(c: Context, hosts: readonly Host[], timeoutMs: number): Promise<void> {
    const keys = this.keysOf(hosts);
    if (!keys.length) return;
    const views = await this.views();
    const problems = capacityProblems(views, new Set(keys));
    if (problems.length) throw new UsageError(`refusing to take ${hosts.map((h) => h.name).join(', ')} out of rotation: ${problems.join('; ')}`, { code: 'proxy.rotation' });
    const refs = toDrain(views, keys);
    const pollMs = this.config.pollMs ?? 500;
    await onEveryLb('rollout: draining', this.drivers.map((driver) => ({ driver })), async ({ driver }) => {
      const changes = refs.map((r) => ({ ...r, state: 'drain' as const }));
      await driver.setStates(changes);
      // toDrain picks servers that are ready now.
      proxyEvent(c, 'proxy.change', { lb: driver.lb.name, endpoint: driver.endpoint, action: 'out', changes: changes.map((ch) => ({ ...ch, from: 'ready' as const })) });
      await waitDrained(c, driver, keys.map(split), timeoutMs, pollMs);
    });
  }

  /** The LB's own checks and a GET from the LB host agree the servers are healthy (proxy `health` config). */
  async verify(c: Context, hosts: readonly Host[]): Promise<void> {
    const keys = new Set(toRestore(this.initial, this.keysOf(hosts)).map(keyOf));
    if (!keys.size) return;
    await onEveryLb('rollout: load balancer health checks', this.drivers.map((driver) => ({ driver })), async ({ driver }) => {
      const servers = (await driver.readState()).servers.filter((s) => keys.has(keyOf(s)));
      await verifyHealthy({ driver, transport: () => internal(c).runImpl.transport(driver.lb), servers, health: this.config.health ?? {}, signal: c.session.signal });
    });
  }

  /** verify() one host at a time, `size` at once (-z: each probes its node from the LB host), so one failure names only its host. */
  verifyEach(c: Context, hosts: readonly Host[], size: number): Promise<FanOut<void>> {
    return fanOut(hosts, (h) => this.verify(c, [h]), { limit: size });
  }

  /** Back into rotation: the servers that were ready when the rollout started. */
  async putBack(c: Context, hosts: readonly Host[]): Promise<void> {
    const refs = toRestore(this.initial, this.keysOf(hosts));
    if (!refs.length) return;
    const changes = refs.map((r) => ({ ...r, state: 'ready' as const }));
    await onEveryLb('rollout: back into rotation', this.drivers.map((driver) => ({ driver })), async ({ driver }) => {
      await driver.setStates(changes);
      proxyEvent(c, 'proxy.change', { lb: driver.lb.name, endpoint: driver.endpoint, action: 'back', changes });
    });
  }

  /** HAProxy only: cumulative counters per server, summed over the LBs. Undefined for nginx (no per-server counters). */
  async counters(): Promise<Snapshot | undefined> {
    if ((this.config.driver ?? 'haproxy') !== 'haproxy') return undefined;
    const perLb = await onEveryLb('rollout: reading counters', this.drivers.map((driver) => ({ driver })), ({ driver }) =>
      driver instanceof HaproxyDriver ? driver.statRows() : Promise.resolve([]),
    );
    const snap = new Map<string, ServerCounters>();
    for (const row of perLb.flat()) {
      const key = `${row.pxname}/${row.svname}`;
      const n = countersOf(row);
      const seen = snap.get(key);
      snap.set(key, seen ? { requests: seen.requests + n.requests, errors: seen.errors + n.errors, down: seen.down || n.down } : n);
    }
    return snap;
  }
}

function split(key: string): { backend: string; server: string } {
  const i = key.indexOf('/');
  return { backend: key.slice(0, i), server: key.slice(i + 1) };
}
