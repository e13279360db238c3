// `dpl history`: past deploys from every target host's `<deployPath>/history.jsonl`
// (read with the deploy module's own reader), merged by release so each deploy
// is one row: when, who, what ref/SHA, on which hosts, and how it ended.
import type { Context } from '../core/context-types.js';
import { HostsFailedError } from '../core/errors.js';
import { parseState, stateSnippet, type HistoryRecord, type HostState } from '../deploy/history.js';
import { layoutOf } from '../deploy/layout.js';
import { runScript } from '../deploy/remote.js';
import { requireDeployPath, type OpsConfig } from './config.js';
import { firstLine, onEachTarget } from './targets.js';

export interface DeployRow {
  release: string;
  time: string;
  user?: string;
  machine?: string;
  ref?: string;
  tag?: string;
  sha?: string;
  subject?: string;
  /** Last status per host (cleanup's `removed` does not change how a deploy ended). */
  hosts: Record<string, string>;
  /** Hosts where this release is live now. */
  live: string[];
  outcome: string;
  reason?: string;
  /** Who rolled this release back, when someone did. */
  rolledBackBy?: string;
}

export interface HistoryResult {
  deploys: DeployRow[];
  unreachable: Array<{ host: string; error: string }>;
}

export async function collectHistory(c: Context, config: OpsConfig, task: string): Promise<HistoryResult> {
  const results = await onEachTarget(c, config.poolSize, async (hc) => {
    // dpl's own script, as the deploy's state reads are: run under /bin/sh whatever the login shell is.
    const script = stateSnippet(layoutOf(requireDeployPath(hc, config, task)), { full: true });
    const r = await runScript(hc, hc.host, 'read current, releases and history.jsonl', script);
    return parseState(r.stdout);
  });
  const states = new Map<string, HostState>();
  const unreachable: HistoryResult['unreachable'] = [];
  for (const r of results) {
    if (r.ok) states.set(r.host, r.value);
    else unreachable.push({ host: r.host, error: firstLine(r.error.message) });
  }
  if (states.size === 0 && unreachable.length) {
    throw new HostsFailedError(task, unreachable.map((u) => ({ host: u.host, error: new Error(u.error) })));
  }
  return { deploys: mergeHistory(states), unreachable };
}

export function mergeHistory(states: ReadonlyMap<string, HostState>): DeployRow[] {
  const rows = new Map<string, DeployRow>();
  for (const [host, state] of states) {
    for (const rec of state.history) {
      let row = rows.get(rec.release);
      if (!row) rows.set(rec.release, (row = { release: rec.release, time: rec.time, hosts: {}, live: [], outcome: '' }));
      if (rec.time < row.time) row.time = rec.time;
      if (!row.user || rec.action === 'deploy') fillWho(row, rec);
      if (rec.sha && !row.sha) Object.assign(row, { ref: rec.ref, tag: rec.tag, sha: rec.sha, subject: rec.subject });
      if (rec.status !== 'removed' || !row.hosts[host]) row.hosts[host] = rec.status;
      if (rec.status === 'failed' && rec.reason) row.reason = rec.reason;
      if (rec.status === 'rolled-back') row.rolledBackBy = rec.user;
    }
    if (state.current && rows.has(state.current)) rows.get(state.current)!.live.push(host);
  }
  for (const row of rows.values()) row.outcome = outcomeOf(row);
  return [...rows.values()].sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : b.release.localeCompare(a.release)));
}

function fillWho(row: DeployRow, rec: HistoryRecord): void {
  if (rec.user) row.user = rec.user;
  if (rec.machine) row.machine = rec.machine;
}

function outcomeOf(row: DeployRow): string {
  const counts = new Map<string, number>();
  for (const status of Object.values(row.hosts)) counts.set(status, (counts.get(status) ?? 0) + 1);
  const text =
    counts.size === 1 ? [...counts.keys()][0]! : [...counts].sort((a, b) => b[1] - a[1]).map(([s, n]) => `${s} on ${n}`).join(', ');
  const total = Object.keys(row.hosts).length;
  const by = row.rolledBackBy && text.includes('rolled-back') ? ` by ${row.rolledBackBy}` : '';
  const live = row.live.length === 0 ? '' : row.live.length === total ? ' (live)' : ` (live on ${row.live.length})`;
  return text + by + live;
}
