// The deploy's outcome as one typed event, 'deploy.outcome': the notifier
// (src/notify, docs/notifications.md), the report and --json consumers read its
// fields; the words are in src/reporters/format/deploy.ts.
import { internal } from '../core/internal.js';
import type { Context } from '../core/context-types.js';
import type { ResolvedRef } from '../git/describe.js';

export type DeployPhase = 'start' | 'success' | 'failure' | 'rollback';

export interface DeployOutcome {
  /** start: release and ref known, no host changed yet; success: live on every target; failure: the deploy gave up;
   *  rollback: hosts were switched back (a rollback task, or a failed deploy undone: see `undo`). */
  phase: DeployPhase;
  /** The release deployed; on a rollback task, the release live again; with `undo`, the release the hosts left. */
  release: string;
  /** What was asked for (a branch, tag or commit). */
  ref: string;
  tag?: string;
  /** The full commit SHA. */
  sha: string;
  /** The target hosts (on success and rollback: the hosts that moved). */
  hosts: string[];
  /** The run's environment (`dpl production deploy`, -E). */
  environment?: string;
  /** start: how the release goes out: all hosts at once, in place, or a canary rollout in `batches` batches. */
  flow?: 'all' | 'in-place' | 'canary';
  batches?: number;
  /** rollback: a failed deploy of `release` switched its moved hosts back; `after`: the step that failed. */
  undo?: { after?: string };
  /** failure: the error's text, and its stable code when it has one. */
  error?: string;
  code?: string;
}

declare module '../core/events.js' {
  interface EventMap {
    'deploy.outcome': DeployOutcome;
  }
}

export interface Announcement {
  release: string;
  ref: Pick<ResolvedRef, 'ref' | 'tag' | 'sha'>;
  hosts: string[];
  flow?: DeployOutcome['flow'];
  batches?: number;
  undo?: DeployOutcome['undo'];
  error?: string;
  code?: string;
}

export function announce(c: Context, phase: DeployPhase, a: Announcement): void;
/** @deprecated the message is not sent (the words are the reporters'); a rollback said this way is an undo. Use announce(c, phase, a). */
export function announce(c: Context, phase: DeployPhase, message: string, a: Announcement): void;
export function announce(c: Context, phase: DeployPhase, ...args: [Announcement] | [string, Announcement]): void {
  const a = args.length === 2 ? { ...(phase === 'rollback' ? { undo: {} } : {}), ...args[1] } : args[0];
  internal(c).emit('deploy.outcome', {
    phase,
    release: a.release,
    ref: a.ref.ref,
    ...(a.ref.tag ? { tag: a.ref.tag } : {}),
    sha: a.ref.sha,
    hosts: a.hosts,
    ...(c.environment ? { environment: c.environment.name } : {}),
    ...(a.flow ? { flow: a.flow } : {}),
    ...(a.batches !== undefined ? { batches: a.batches } : {}),
    ...(a.undo ? { undo: a.undo } : {}),
    ...(a.error ? { error: a.error } : {}),
    ...(a.code ? { code: a.code } : {}),
  });
}

/** A stable error code, when the error carries one (`code: 'lock.held'`). */
export function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code ? code : undefined;
}
