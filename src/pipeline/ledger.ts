// Where each host of a deploy is, as the pipeline moves it: the undo ledger (what
// must be put back if the deploy stops) and the table every outcome prints, so a
// failure, a rollback or a Ctrl-C says each host's real state.
/** Where a host is: on the old release untouched, on the new one, or back. */
export type HostPhase = 'old' | 'prepared' | 'switched' | 'restarted' | 'live' | 'promoted' | 'deployed' | 'rolled-back' | 'rollback-failed' | 'left' | 'unfinished';

export interface HostRecord {
  host: string;
  /** 1-based batch number. */
  batch: number;
  /** LB servers (`backend/server`). */
  servers: string[];
  /** The release live before the rollout. */
  before?: string;
  /** The release live now, as far as dpl knows. */
  current?: string;
  phase: HostPhase;
  /** Admin state on the LB at the end (ready, drain, maint), when it could be read. */
  rotation?: string;
  note?: string;
}

const PHASE_TEXT: Record<HostPhase, string> = {
  old: 'untouched (old release)',
  prepared: 'prepared, not switched',
  switched: 'switched, not restarted',
  restarted: 'new release, restarted',
  live: 'new release, in its bake',
  promoted: 'new release (promoted)',
  deployed: 'new release, deployed',
  'rolled-back': 'rolled back',
  'rollback-failed': 'ROLLBACK FAILED',
  left: 'new release, left for inspection',
  unfinished: 'UNFINISHED (the next dpl command completes it)',
};

/** A table of every host: batch, release before → now, rotation, what happened. */
export function renderHosts(r: { hosts: readonly HostRecord[] }): string {
  const head = ['HOST', 'BATCH', 'RELEASE', 'LB', 'STATE'];
  const rows = r.hosts.map((h) => [
    h.host,
    String(h.batch),
    h.current === h.before || h.current === undefined ? `${h.current ?? h.before ?? '-'}` : `${h.before ?? '-'} → ${h.current}`,
    h.rotation ?? '-',
    PHASE_TEXT[h.phase] + (h.note ? `: ${h.note}` : ''),
  ]);
  const widths = head.map((t, i) => Math.max(t.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => '  ' + cells.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

