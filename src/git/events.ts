// The git tasks' events: a hotfix or release started or finished, the version
// file and tags shown, a ref resolved. Words: src/reporters/format/git.ts.
// (The steps of a start or finish, "merged …", "tagged …", are the task's own
// narration, c.log lines with topic 'git'; the result carries them as `steps`.)
import type { FlowKind } from './config.js';

/** What a ref resolved to (deploys, version.resolve). */
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

declare module '../core/events.js' {
  interface EventMap {
    /** hotfix/release start: `branch` made off `base`; finish: `tag` on `sha`, `pushed` or not. */
    'git.flow':
      | { kind: FlowKind; version: string; state: 'started'; branch: string; base: string }
      | { kind: FlowKind; version: string; state: 'finished'; tag: string; sha: string; pushed: boolean };
    /** version.show: the version file (`file`: "path [section] key"), and the highest stable and any version tags. */
    'git.version': { file?: { describe: string; path: string; version: string }; stable?: string; latest?: string };
    /** version.resolve: what a ref resolves to. */
    'git.resolved': ResolvedRef;
  }
}

export type GitEvent = 'git.flow' | 'git.version' | 'git.resolved';
