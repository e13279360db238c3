// One driver per LB host, and running a step on every LB at once. Driver modules
// are imported here, lazily, so task factories stay cheap to import.
import { DplError, HostsFailedError } from '../core/errors.js';
import { fanOut } from '../core/fanout.js';
import type { RunImpl as Run } from '../core/run.js';
import type { ProxyConfig } from './config.js';
import type { LoadBalancerDriver } from './driver.js';
import type { Model } from './model.js';

export async function openDrivers(run: Run, config: ProxyConfig, model: Model): Promise<LoadBalancerDriver[]> {
  if ((config.driver ?? 'haproxy') === 'nginx') {
    const { NginxDriver } = await import('./nginx-driver.js');
    return model.lbs.map((lb) => new NginxDriver(lb, run, model.backends, config.nginx!));
  }
  const { HaproxyDriver } = await import('./haproxy-driver.js');
  return model.lbs.map((lb) => new HaproxyDriver(lb, run, model.backends, config.haproxy));
}

/**
 * Run `fn` for every LB at once (core's `fanOut`, no limit) and wait for all. One LB:
 * its error as is. Several: one error listing each LB that failed (the others' results
 * are lost on purpose: callers only continue when every LB agreed).
 */
export async function onEveryLb<D extends { driver: LoadBalancerDriver }, T>(
  what: string,
  items: readonly D[],
  fn: (item: D) => Promise<T>,
): Promise<T[]> {
  const byLb = new Map(items.map((item) => [item.driver.lb.name, item]));
  const fan = await fanOut(items.map((item) => item.driver.lb), (lb) => fn(byLb.get(lb.name)!), { limit: items.length });
  if (fan.failed.length === 0) return items.map((item) => fan.succeeded.get(item.driver.lb.name) as T);
  if (items.length === 1) throw fan.failed[0]!.error;
  const err = new HostsFailedError(what, fan.failed);
  err.hint = fan.failed.map((f) => (f.error instanceof DplError ? f.error.hint : undefined)).find((h) => h);
  throw err;
}
