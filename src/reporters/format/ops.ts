// Words for the operator tasks' events (src/ops/events.ts): the status and history
// tables, and the line that says what monitor/logs follow.
import type { EventOf, FormatContext, Formats } from './types.js';
import type { OpsEvent } from '../../ops/events.js';
import type { HostStatus } from '../../ops/status.js';
import type { DeployRow } from '../../ops/history.js';
import { firstLine, table } from '../../ops/targets.js';

export const opsFormats: Formats<OpsEvent> = {
  'ops.status': (e, f) => f.line(undefined, 'info', statusTable(e.hosts, e.services)),
  'ops.history': (e, f) => historyLines(e, f),
  'ops.follow': (e, f) => {
    const until = !e.follow ? '' : e.forSeconds !== undefined ? ` for ${e.forSeconds}s` : ' (Ctrl-C to stop)';
    return f.line(undefined, 'info', `${e.follow ? 'following' : 'showing'} ${e.what}${until}`);
  },
  'ops.stopped': (e, f) => f.line(e.host, 'debug', 'stopped following (interrupted)'),
};

function historyLines(e: EventOf<'ops.history'>, f: FormatContext): string | undefined {
  const warnings = e.unreachable.map((u) => f.line(u.host, 'warn', `history not read: ${u.error}`));
  const more = e.more > 0 ? `\n(${e.more} older deploy${e.more === 1 ? '' : 's'} not shown; history:limit=N)` : '';
  const text = e.deploys.length ? historyTable(e.deploys) + more : 'no deploys recorded yet';
  const lines = [...warnings, f.line(undefined, 'info', text)].filter((l): l is string => l !== undefined);
  return lines.length ? lines.join('\n') : undefined;
}

export function statusTable(rows: readonly HostStatus[], withServices: boolean): string {
  const header = withServices ? ['HOST', 'SERVICE', 'STATE', 'DETAIL', 'RELEASE'] : ['HOST', 'STATE', 'RELEASE'];
  const lines: string[][] = [];
  for (const h of rows) {
    const release = h.release ?? '-';
    if (!h.reachable) lines.push(withServices ? [h.host, '-', 'unreachable', h.error ?? '', '-'] : [h.host, `unreachable: ${h.error ?? ''}`, '-']);
    else if (!withServices) lines.push([h.host, 'reachable', release]);
    else for (const s of h.services) lines.push([h.host, s.service, s.up ? 'up' : 'DOWN', s.detail, release]);
  }
  return table(header, lines);
}

export function historyTable(rows: readonly DeployRow[]): string {
  return table(
    ['WHEN', 'WHO', 'REF', 'SHA', 'RELEASE', 'HOSTS', 'OUTCOME'],
    rows.map((r) => {
      const hosts = Object.keys(r.hosts);
      return [
        when(r.time),
        r.user ?? '?',
        r.tag ?? r.ref ?? '-',
        r.sha?.slice(0, 10) ?? '-',
        r.release,
        hosts.length <= 3 ? hosts.join(',') : `${hosts.length} hosts`,
        r.outcome + (r.reason && r.outcome.includes('failed') ? `: ${firstLine(r.reason).slice(0, 60)}` : ''),
      ];
    }),
  );
}

/** Local time, minutes: what a person scanning the list needs. */
function when(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}
