// The deploy's outcome as the notifier (src/notify, docs/notifications.md) reads it:
// one 'log' event with topic 'deploy' and data.phase start|success|failure|rollback.
import { internal } from '../core/internal.js';
import type { Context } from '../core/context-types.js';
import type { ResolvedRef } from '../git/describe.js';

export type DeployPhase = 'start' | 'success' | 'failure' | 'rollback';

export interface Announcement {
  release: string;
  ref: Pick<ResolvedRef, 'ref' | 'tag' | 'sha'>;
  hosts: string[];
  error?: string;
}

export function announce(c: Context, phase: DeployPhase, message: string, a: Announcement): void {
  internal(c).emit('log', {
    level: phase === 'failure' ? 'error' : 'info',
    topic: 'deploy',
    message,
    data: {
      phase,
      release: a.release,
      ref: a.ref.ref,
      tag: a.ref.tag,
      sha: a.ref.sha,
      hosts: a.hosts,
      environment: c.environment?.name,
      ...(a.error ? { error: a.error } : {}),
    },
  });
}
