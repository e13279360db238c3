// The journal of an unfinished deploy, kept on every target host while it runs
// (`<deployPath>/.dpl-journal.json`): which release goes live on which hosts, what
// each host ran before, and whether the switch was decided. The decision lives on
// the hosts, not on the machine that started the deploy, so any later dpl command
// can finish (or undo) a deploy whose dpl died, lost a host, or was interrupted.
//
//   pending ──► prepared ──(decision: commit, on every target)──► switched ──► (record: removed)
//                   └──(no decision)──► recovery removes the prepared release
import { raw, sh } from '../core/quote.js';
import type { Layout } from '../deploy/layout.js';
import { writeLinesSnippet } from '../deploy/host-write.js';

/** How hosts flow through the pipeline (flow.ts), as recorded for recovery. */
export type FlowName = 'all' | 'canary' | 'in-place';

export type JournalState = 'pending' | 'prepared' | 'switched';

export interface Journal {
  v: 1;
  /** The run that wrote it (its lock token). */
  id: string;
  action: 'deploy' | 'rollback';
  release: string;
  flow: FlowName;
  /** What the next dpl command does when this run could not finish: finish the switch, or undo it. */
  recover: 'forward' | 'back';
  /** Every host of the run, so one host's journal tells the whole story. */
  targets: string[];
  /** This host before: `current`'s link text (in place: the SHA checked out); absent: nothing was live. */
  previous?: string;
  /** Recorded on every target before the first host switches; `revert` when the run undid it. */
  decision?: 'commit' | 'revert';
  state: JournalState;
  ref: { ref: string; tag?: string; sha: string; subject?: string };
  /** user@machine (pid N), for messages. */
  by: string;
  time: string;
}

/**
 * Replace the journal durably: written to a temp file, flushed, renamed over the
 * old one, and the directory flushed, so a crash or power loss leaves the old
 * journal or the new one, never half of one. A failed write (ENOSPC, reported as
 * host-write.ts does) exits the script non-zero with the old journal in place.
 */
export function writeJournalSnippet(l: Layout, j: Journal): string {
  const tmp = `${l.journal}.tmp`;
  // One chain: a write that fails (ENOSPC) must not be renamed over the journal, and must fail the step.
  return [
    sh`{ ${raw(writeLinesSnippet(tmp, [JSON.stringify(j)]))} &&`,
    sh`  { sync -- ${tmp} 2>/dev/null || sync; } &&`,
    sh`  mv -f -- ${tmp} ${l.journal} &&`,
    sh`  { sync -- ${l.root} 2>/dev/null || sync; }; } || { rm -f -- ${tmp}; exit 1; }`,
  ].join('\n');
}

/** Remove this run's journal (never another run's). `grep`, not the shell's `read`: dash reads a line a byte per system call, and the journal names every target host. */
export function clearJournalSnippet(l: Layout, id: string): string {
  return sh`if grep -q -- ${`"id":"${id}"`} ${l.journal} 2>/dev/null; then rm -f -- ${l.journal}; fi`;
}

export function parseJournal(text: string): Journal | undefined {
  const line = text.split('\n').find((x) => x.trim().startsWith('{'));
  if (!line) return undefined;
  try {
    const j = JSON.parse(line) as Journal;
    return j && j.v === 1 && typeof j.id === 'string' && typeof j.release === 'string' && Array.isArray(j.targets) ? j : undefined;
  } catch {
    return undefined;
  }
}
