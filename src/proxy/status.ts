// The LBs' view of every server, joined with the deployfile's model (group,
// deploy host). Read live from each LB; used by proxy.status, flip and groupHosts.
import { internal } from '../core/internal.js';
import type { Context } from '../core/context-types.js';
import type { ProxyConfig } from './config.js';
import type { AdminState, Health } from './driver.js';
import { onEveryLb, openDrivers } from './lbs.js';
import { resolveModel, type Model } from './model.js';
import { readMaintenance, renderMaintenance } from './maintenance.js';
import type { MaintenanceRow } from './maintenance-page.js';

export interface StatusRow {
  lb: string;
  backend: string;
  server: string;
  /** Group name, or "" for servers in no group. */
  group: string;
  /** Deploy host name, or "" when none is known. */
  host: string;
  state: AdminState;
  health: Health;
  /** The LB's status text, e.g. "UP", "DOWN", "DRAIN", "MAINT". */
  status: string;
  check: string;
  sessions: number | null;
  errors5xx: number | null;
}

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

/** A plain text table; the LB and backend columns appear only when there is more than one. */
export function renderStatus(rows: readonly StatusRow[], maintenance: readonly MaintenanceRow[] = []): string {
  const manyLbs = new Set(rows.map((r) => r.lb)).size > 1;
  const manyBackends = new Set(rows.map((r) => r.backend)).size > 1;
  const head = [...(manyLbs ? ['LB'] : []), 'SERVER', 'GROUP', 'HOST', 'STATE', 'HEALTH', 'CHECK', 'SESSIONS', '5XX'];
  const body = rows.map((r) => [
    ...(manyLbs ? [r.lb] : []),
    manyBackends ? `${r.backend}/${r.server}` : r.server,
    r.group || '-',
    r.host || '-',
    r.state,
    r.status || r.health,
    r.check || '-',
    r.sessions === null ? '-' : String(r.sessions),
    r.errors5xx === null ? '-' : String(r.errors5xx),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => cells.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  const maint = renderMaintenance(maintenance);
  return [line(head), ...body.map(line), ...(maint ? [maint] : [])].join('\n');
}
