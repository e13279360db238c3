// The per-host history log `<deployPath>/history.jsonl`: one JSON object per line,
// appended (a single write below PIPE_BUF, so concurrent appends never interleave).
// A release's status is its last record: rollback and cleanup read it to tell good
// releases from failed ones, instead of guessing from directory times.
import { hostname, userInfo } from 'node:os';
import { sh } from '../core/quote.js';
import type { ResolvedRef } from '../git/describe.js';
import type { ReleaseStatus } from './config.js';
import type { Layout } from './layout.js';
import { releaseFromLink, sortReleases } from './layout.js';
import { section } from './remote.js';
import { parseJournal, type Journal } from '../pipeline/journal.js';
import { boundedHistorySnippet } from './history-index.js';
import { appendLinesSnippet } from './host-write.js';

/** prepared → deployed | failed; deployed → rolled-back; any → removed (by cleanup). */
export type { ReleaseStatus };

export interface HistoryRecord {
  release: string;
  status: ReleaseStatus;
  time: string;
  user: string;
  machine: string;
  action?: 'deploy' | 'rollback' | 'cleanup';
  ref?: string;
  tag?: string;
  sha?: string;
  subject?: string;
  strategy?: string;
  /** Why a release failed, or what a rollback left. */
  reason?: string;
  /** For a rollback: the release that was abandoned. */
  from?: string;
  /** Migrations this release's once steps applied (a record of its own; migrations.ts). */
  migrations?: string[];
  /** Migrations a rollback's rollbackMigrations hook undid. */
  migrationsUndone?: string[];
}

export function whoAmI(): { user: string; machine: string } {
  let user = process.env.USER ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    /* no passwd entry: keep $USER */
  }
  return { user, machine: hostname() };
}

export function newRecord(
  release: string,
  status: ReleaseStatus,
  extra: Partial<Omit<HistoryRecord, 'release' | 'status'>> & { resolved?: ResolvedRef } = {},
): HistoryRecord {
  const { resolved, ...rest } = extra;
  const ref = resolved ? { ref: resolved.ref, tag: resolved.tag, sha: resolved.sha || undefined, subject: resolved.subject || undefined } : {};
  return { release, status, time: new Date().toISOString(), ...whoAmI(), ...ref, ...rest };
}

const clip = (s: string | undefined, n: number) => (s && s.length > n ? s.slice(0, n - 1) + '…' : s);

export function recordLine(r: HistoryRecord): string {
  const line = JSON.stringify({ ...r, subject: clip(r.subject, 200), reason: clip(r.reason, 600) });
  return line.replace(/\n/g, '\\n');
}

/** Shell that appends the records to the history log. */
export function appendSnippet(layout: Layout, records: HistoryRecord[]): string {
  if (!records.length) return 'true';
  // A full disk is reported as such (host-write.ts). A line torn by an earlier full disk
  // is ended first, so it costs only itself and not the next record.
  return [
    sh`if [ -s ${layout.history} ] && [ -n "$(tail -c 1 -- ${layout.history})" ]; then echo >> ${layout.history}; fi;`,
    appendLinesSnippet(layout.history, records.map(recordLine)),
  ].join(' ');
}

/**
 * Shell that prints what parseState reads: current link, release dirs, the history, journal.
 * The history is bounded (history-index.ts: what deploy, rollback and cleanup decide on);
 * `full`: its last 5,000 records as written, for `deploy.history` and a recovery.
 */
export function stateSnippet(layout: Layout, o: { full?: boolean } = {}): string {
  // The releases come from a glob and `current` is read once, for this and the bounded
  // history: one process (readlink) where there were four, in the lock of every deploy.
  return [
    sh`cur=$(readlink -- ${layout.current} 2>/dev/null) || cur=''`,
    `echo '@@DPL current'; if [ -n "$cur" ]; then printf '%s\\n' "$cur"; fi`,
    `echo '@@DPL releases'; rels=''`,
    sh`if [ -d ${layout.releases} ]; then for d in ${layout.releases}/*; do if [ -e "$d" ] || [ -L "$d" ]; then printf '%s\\n' "\${d##*/}"; rels="$rels/\${d##*/}"; fi; done; fi`,
    `echo '@@DPL history'`,
    o.full ? sh`if [ -f ${layout.history} ]; then tail -n 5000 -- ${layout.history}; fi` : boundedHistorySnippet(layout),
    `echo '@@DPL journal'`,
    sh`if [ -f ${layout.journal} ]; then cat -- ${layout.journal}; echo; fi`,
    `echo '@@DPL end'`,
  ].join('\n');
}

export interface HostState {
  /** The live release, from the `current` link. */
  current?: string;
  /** What `current` points at, as readlink prints it (restored as is when a switch is undone). */
  currentLink?: string;
  /** Release directories present, newest first. */
  releases: string[];
  history: HistoryRecord[];
  /** The journal of a deploy that did not finish on this host. */
  journal?: Journal;
}

export function parseState(stdout: string): HostState {
  const currentLink = (section(stdout, 'current') ?? '').trim() || undefined;
  const current = releaseFromLink(currentLink ?? '');
  const releases = sortReleases((section(stdout, 'releases') ?? '').split('\n').map((s) => s.trim()));
  const history: HistoryRecord[] = [];
  for (const line of (section(stdout, 'history') ?? '').split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as HistoryRecord;
      if (r && typeof r.release === 'string' && typeof r.status === 'string') history.push(r);
    } catch {
      /* a torn or hand-edited line: ignore it */
    }
  }
  return { current, currentLink, releases, history, journal: parseJournal(section(stdout, 'journal') ?? '') };
}

/** Last recorded status of a release; undefined when dpl never recorded it. */
export function statusOf(state: HostState, release: string): ReleaseStatus | undefined {
  for (let i = state.history.length - 1; i >= 0; i--) if (state.history[i]!.release === release) return state.history[i]!.status;
  return undefined;
}

/** The record that says what a release holds (ref, SHA). */
export function infoOf(state: HostState, release: string): HistoryRecord | undefined {
  return state.history.find((r) => r.release === release && r.sha);
}

export function isGood(state: HostState, release: string): boolean {
  return statusOf(state, release) === 'deployed';
}

/** Newest good release older than `before` (default: the current one) that still exists. */
export function previousGood(state: HostState, before = state.current): string | undefined {
  return state.releases.find((r) => (before === undefined || r < before) && r !== before && isGood(state, r));
}

/** What a release holds, as a ResolvedRef (for hooks after a rollback); sha '' when unrecorded. */
export function refOfRelease(state: HostState, release: string): ResolvedRef {
  const r = infoOf(state, release);
  return { ref: r?.ref ?? release, kind: r?.tag ? 'tag' : 'sha', tag: r?.tag, sha: r?.sha ?? '', subject: r?.subject ?? '' };
}
