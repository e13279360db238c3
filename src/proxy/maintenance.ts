// `proxy.maintenance:on|off`: every LB answers the configured backends with a 503
// page (Retry-After) instead of sending traffic to the app servers. Server states
// are not touched, so `off` gives back exactly the rotation there was. The page is
// read locally first: a missing or too large page fails before any LB changes.
import { internal } from '../core/internal.js';
import type { Context } from '../core/context-types.js';
import type { ProxyConfig } from './config.js';
import type { LoadBalancerDriver } from './driver.js';
import { onEveryLb, openDrivers } from './lbs.js';
import { proxyEvent } from './events.js';
import { resolveModel } from './model.js';
import { loadPage, type MaintenanceRow, type MaintenanceSwitch } from './maintenance-page.js';

export type { MaintenancePage, MaintenanceRow, MaintenanceState, MaintenanceSwitch } from './maintenance-page.js';

async function switches(c: Context, config: ProxyConfig): Promise<Array<{ driver: LoadBalancerDriver; sw: MaintenanceSwitch }>> {
  const model = await resolveModel(internal(c).runImpl, config);
  const drivers = await openDrivers(internal(c).runImpl, config, model);
  const { maintenanceSwitch } = await import('./maintenance-drivers.js');
  return drivers.map((driver) => ({ driver, sw: maintenanceSwitch(driver, config, model.backends) }));
}

export async function readMaintenance(c: Context, config: ProxyConfig): Promise<MaintenanceRow[]> {
  const all = await onEveryLb('proxy: reading maintenance', await switches(c, config), async ({ driver, sw }) =>
    [...(await sw.read())].map(([backend, state]) => ({ lb: driver.lb.name, backend, state })),
  );
  return all.flat();
}

/** Turn maintenance on (page shipped to every LB) or off on every LB; returns the state read back. */
export async function setMaintenance(c: Context, config: ProxyConfig, on: boolean, why = ''): Promise<MaintenanceRow[]> {
  const page = on ? await loadPage(c.session.root, config) : undefined;
  const items = await switches(c, config);
  if (page) {
    const { checkPage } = await import('./maintenance-drivers.js');
    for (const { driver } of items) checkPage(driver, page);
  }
  // Every LB able to serve the page before any LB changes.
  const befores = await onEveryLb('proxy: checking maintenance', items, async ({ sw }) => {
    await sw.check();
    return sw.read();
  });
  const steps = items.map((item, i) => ({ ...item, before: befores[i]! }));
  const rows = await onEveryLb(`proxy: maintenance ${on ? 'on' : 'off'}`, steps, async ({ driver, sw, before }) => {
    await sw.set(page);
    // nginx: requests already with the previous workers finish there; wait for them.
    const { waitDrained } = await import('./apply.js');
    await waitDrained(c, driver, [], config.drainTimeoutMs ?? 60_000, config.pollMs ?? 500);
    const after = await sw.read();
    const states = [...after].map(([backend, state]) => ({ lb: driver.lb.name, backend, state }));
    const was = [...before.values()].every((s) => s === (on ? 'on' : 'off'));
    const maintenance = { on, backends: [...after.keys()], already: was, ...(why ? { why } : {}) };
    proxyEvent(c, 'proxy.change', { lb: driver.lb.name, endpoint: driver.endpoint, action: 'maintenance', changes: [], maintenance });
    return states;
  });
  return rows.flat();
}
