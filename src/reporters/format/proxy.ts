// Words for the load balancer's events (src/proxy/events.ts): changes written to
// an LB, drain waits, --force, dry runs, and proxy.status's table.
import type { EventOf, FormatContext, Formats } from './types.js';
import type { ProxyEvent, ProxyWeightChange } from '../../proxy/events.js';
import type { Pending } from '../../proxy/driver.js';
import type { MaintenanceRow } from '../../proxy/maintenance-page.js';
import type { StatusRow } from '../../proxy/status.js';
import { describeChanges } from '../../proxy/plan.js';

export const proxyFormats: Formats<ProxyEvent> = {
  'proxy.change': (e, f) => changeLines(e, f),
  'proxy.drain': (e, f) => {
    if (e.state === 'timeout') return f.line(e.lb, 'warn', `drain did not finish within ${seconds(e.timeoutMs)}; still open: ${describePending(e.pending)}`);
    if (e.state === 'waiting') return f.line(e.lb, 'info', `draining for ${seconds(e.elapsedMs)}: ${describePending(e.pending)}`);
    return f.line(e.lb, 'info', `drained in ${seconds(e.elapsedMs)}`);
  },
  'proxy.waiting': (e, f) => f.line(e.lb, 'debug', `waiting for ${Object.keys(e.failing).join(', ')} to be healthy`),
  'proxy.unchecked': (e, f) => f.line(e.lb, 'warn', `force: not checking the health of ${e.servers.join(', ')}`),
  'proxy.status': (e, f) => f.line(undefined, 'info', renderStatus(e.rows, e.maintenance)),
  'proxy.dry-run': (e, f) => f.line(undefined, 'info', `dry run: would ${DRY[e.action](e)} (the load balancer is not contacted)`),
};

const DRY: Record<EventOf<'proxy.dry-run'>['action'], (e: EventOf<'proxy.dry-run'>) => string> = {
  rotate: (e) => `put ${(e.groups ?? []).join(' + ')} in rotation and drain the other groups`,
  flip: () => 'swap the group out of rotation with the one in it',
  status: () => 'show the state of every server',
  maintenance: (e) => `turn maintenance ${e.maintenance ?? '?'}`,
};

function changeLines(e: EventOf<'proxy.change'>, f: FormatContext): string | undefined {
  switch (e.action) {
    case 'rotate':
      return f.line(e.lb, 'info', `${(e.groups ?? []).join(' + ')} in rotation: ${describeChanges(e.changes)}`);
    case 'out':
      return f.line(e.lb, 'info', `out of rotation: ${describeChanges(e.changes)}`);
    case 'back':
      return f.line(e.lb, 'info', `back in rotation: ${describeChanges(e.changes)}`);
    case 'maintenance': {
      const m = e.maintenance;
      if (!m) return undefined;
      return f.line(e.lb, 'info', `maintenance ${m.on ? 'on' : 'off'} for ${m.backends.join(', ')}${m.why ? ` (${m.why})` : ''}${m.already ? ' (it already was)' : ''}`);
    }
    case 'weights': {
      const shares = Object.entries(e.shares ?? {});
      const head = f.line(
        e.lb,
        'info',
        `weighted canary: ${(e.canary ?? []).join(', ')} take ${shares.map(([b, s]) => `${s}% of backend ${b}`).join(', ')} (weights ${describeWeights(e.weights) || 'unchanged'})`,
      );
      // HAProxy weights are integers up to 256: a small share of a big backend cannot be exact.
      const off = shares.filter(([, s]) => e.percent !== undefined && Math.abs(s - e.percent) > 1);
      const warn = off.length ? f.line(e.lb, 'warn', `the canary gets ${off.map(([b, s]) => `${s}% of ${b}`).join(', ')}, not ${e.percent}%: HAProxy weights stop at 256`) : undefined;
      return [head, warn].filter((l) => l !== undefined).join('\n') || undefined;
    }
    case 'weights-restore':
      if (!e.error) return f.line(e.lb, 'info', `weights restored: ${describeWeights(e.weights)}`);
      return f.line(
        e.lb,
        'error',
        `could not restore the HAProxy weights: ${e.error}; set them by hand on the runtime API: ${(e.weights ?? []).map((w) => `set weight ${w.backend}/${w.server} ${w.weight}`).join('; ')}`,
      );
  }
}

function describeWeights(weights: readonly ProxyWeightChange[] | undefined): string {
  return (weights ?? []).map((w) => `${w.backend}/${w.server} ${w.weight}`).join(', ');
}

export function describePending(pending: readonly Pending[]): string {
  return pending.map((p) => (p.sessions === undefined ? p.what : `${p.what} (${p.sessions} session${p.sessions === 1 ? '' : 's'})`)).join(', ');
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
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

function renderMaintenance(rows: readonly MaintenanceRow[]): string {
  if (rows.length === 0) return '';
  const many = new Set(rows.map((r) => r.lb)).size > 1;
  const parts = rows.map((r) => `${many ? `${r.lb}/` : ''}${r.backend} ${r.state === 'unset' ? 'not set up' : r.state}`);
  return `maintenance: ${parts.join(', ')}`;
}
