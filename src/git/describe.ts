// What a deploy resolved, as one line. Kept apart from refs.ts so the deploy
// module and tasks.ts can print it without loading simple-git or semver.
import type { Context } from '../core/context-types.js';
import { internal } from '../core/internal.js';

export type { RefKind, ResolvedRef } from './events.js';
import type { ResolvedRef } from './events.js'; // also its EventMap entries, which this file emits

/** `stable → tag v3.0.1 @ 1a2b3c4d5e6f "Merge branch 'hotfix/3.0.1'"` */
export function describeResolved(r: ResolvedRef): string {
  const short = r.sha.slice(0, 12);
  let what: string;
  switch (r.kind) {
    case 'stable':
    case 'latest':
    case 'tag':
      what = r.tag === r.ref ? `tag ${r.tag}` : `${r.ref} → tag ${r.tag}`;
      break;
    case 'branch':
      what = r.branch && r.branch !== r.ref ? `${r.ref} → branch ${r.branch}` : `branch ${r.ref}`;
      break;
    default:
      what = `commit ${r.ref}`;
  }
  return `${what} @ ${short} ${JSON.stringify(r.subject)}`;
}

/** Report a resolution from a task: the typed 'git.resolved' event (its words: "resolved tag v3.0.1 @ …"). */
export function reportResolved(c: Context, r: ResolvedRef): void {
  internal(c).emit('git.resolved', r);
}
