// The LBs' view of every server, joined with the deployfile's model (group,
// deploy host). Read live from each LB; used by proxy.status, flip and groupHosts.
import { internal } from '../core/internal.js';
import type { Context } from '../core/context-types.js';
import type { ProxyConfig } from './config.js';
import type { StatusRow } from './events.js';
import { onEveryLb, openDrivers } from './lbs.js';
import { resolveModel, type Model } from './model.js';
import { readMaintenance } from './maintenance.js';
import type { MaintenanceRow } from './maintenance-page.js';

export type { StatusRow } from './events.js';

/** `withMaintenance`: also read each LB's maintenance state (proxy.status shows it). */
export async function readStatus(c: Context, config: ProxyConfig, withMaintenance = false): Promise<{ model: Model; rows: StatusRow[]; maintenance: MaintenanceRow[] }> {
  const model = await resolveModel(internal(c).runImpl, config);
  const drivers = await openDrivers(internal(c).runImpl, config, model);
  const states = await onEveryLb('proxy: reading the load balancers', drivers.map((driver) => ({ driver })), async ({ driver }) => ({
    lb: driver.lb.name,
    servers: (await driver.readState()).servers,
  }));
  const rows: StatusRow[] = [];
  for (const { lb, servers } of states) {
    for (const s of servers) {
      const m = model.members.find((x) => x.server === s.server);
      rows.push({
        lb,
        backend: s.backend,
        server: s.server,
        group: m?.group ?? '',
        host: m?.host?.name ?? '',
        state: s.admin,
        health: s.health,
        status: s.status,
        check: s.check,
        sessions: s.sessions ?? null,
        errors5xx: s.errors5xx ?? null,
      });
    }
  }
  return { model, rows, maintenance: withMaintenance ? await readMaintenance(c, config) : [] };
}
