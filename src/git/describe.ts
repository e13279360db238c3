// What a deploy resolved, as one line. Kept apart from refs.ts so the deploy
// module and tasks.ts can print it without loading simple-git or semver.
import type { Context } from '../core/context-types.js';

export type RefKind = 'stable' | 'latest' | 'tag' | 'branch' | 'sha';

export interface ResolvedRef {
  /** What was asked for: `stable`, `latest`, `v3.0.1`, `master`, `1a2b3c4`. */
  ref: string;
  kind: RefKind;
  /** The tag, for stable/latest/tag. */
  tag?: string;
  /** The branch ref used, for kind 'branch' (`master` or `origin/master`). */
  branch?: string;
  /** Semantic version of the tag, when it is a version tag. */
  version?: string;
  /** Full commit SHA. */
  sha: string;
  /** Commit subject line. */
  subject: string;
}

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

/** Report a resolution from a task: one `log` event with the fields as data. */
export function reportResolved(c: Pick<Context, 'log'>, r: ResolvedRef): void {
  c.log(`resolved ${describeResolved(r)}`, {
    ref: r.ref,
    kind: r.kind,
    ...(r.tag ? { tag: r.tag } : {}),
    ...(r.branch ? { branch: r.branch } : {}),
    sha: r.sha,
    subject: r.subject,
  });
}
