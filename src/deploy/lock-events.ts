// The deploy lock's events: who holds it when we wait or take it over, when we hold
// it, and how releasing it went. Data only; the words are in
// src/reporters/format/lock.ts (from the same holderWords the errors use).
import { internal } from '../core/internal.js';
import type { Context } from '../core/context-types.js';
import type { LockHolder } from './lock-holder.js';
import { marker } from './remote.js';

declare module '../core/events.js' {
  interface EventMap {
    /** A live holder kept the lock from us. `waitMs`: we wait up to that long (--lock-wait), said once per wait;
     *  without it the run stops with an error that names the holder. */
    'lock.held': { host: string; holder: LockHolder; waitMs?: number };
    /** A stale lock was taken over (--force, or a yes). `displaced`: another dpl's brand-new lock was moved
     *  aside by mistake and could not be put back: its path (that deploy no longer holds the lock). */
    'lock.takeover': { host: string; holder?: LockHolder; displaced?: string };
    /** Every target host is locked by this run. */
    'lock.acquired': { hosts: string[] };
    /** Our locks released: `hosts` released cleanly; `foreign`: held by someone else by then (left alone);
     *  `gone`: already removed; `failed`: not released (the error), `unlock` says how to remove them. */
    'lock.released': { hosts: string[]; foreign?: string[]; gone?: string[]; failed?: Array<{ host: string; error: string }>; unlock?: string };
    /** deploy.unlock on one host: whose lock it removed (none when there was none). */
    'lock.removed': { host: string; holder?: LockHolder };
  }
}

/** What releaseScript found on one host. */
export type ReleaseResult = 'released' | 'foreign' | 'gone';

/** Read from releaseScript's output: our lock released, someone else's left alone, or none. */
export function releaseResult(stdout: string): ReleaseResult {
  return marker(stdout, 'foreign') !== undefined ? 'foreign' : marker(stdout, 'gone') !== undefined ? 'gone' : 'released';
}

/** One 'lock.released' for a set of release results (hosts that were not released go in `failed`). */
export function emitReleased(
  c: Context,
  results: ReadonlyArray<[host: string, result: ReleaseResult]>,
  failed: Array<{ host: string; error: string }> = [],
  unlock?: string,
): void {
  const of = (r: ReleaseResult) => results.filter(([, x]) => x === r).map(([h]) => h);
  const [foreign, gone] = [of('foreign'), of('gone')];
  internal(c).emit('lock.released', {
    hosts: of('released'),
    ...(foreign.length ? { foreign } : {}),
    ...(gone.length ? { gone } : {}),
    ...(failed.length ? { failed, unlock } : {}),
  });
}
