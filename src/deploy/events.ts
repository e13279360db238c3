// The deploy module's events beside the step timeline (remote.ts), the upload
// (upload.ts), the outcome (announce.ts) and the lock (lock-events.ts): what a
// deploy did on the way, as data. The words are in src/reporters/format/release.ts.
import type { ReleaseStatus } from './config.js';

/** One release directory on a host, as `deploy.releases` lists it. */
export interface ReleaseRow {
  release: string;
  /** The recorded status, or 'unknown' when the history does not say. */
  status: ReleaseStatus | 'unknown';
  current: boolean;
  /** The tag, else the ref, it was deployed from. */
  ref?: string;
  sha?: string;
}

declare module '../core/events.js' {
  interface EventMap {
    /** Old releases removed on a host (keep-N). `stuck`: releases the login user could not delete (the run's
     *  warning says more). Without `kept`: the cleanup after a deploy failed, `error` says why. */
    'deploy.cleanup': { host?: string; kept?: string[]; removed?: string[]; stuck?: string[]; error?: string };
    /** A deployfile hook or once step: it starts on `host`; it was skipped (no host has `role`); or, for
     *  hooks whose failure does not fail the deploy (onFailure), it failed with `error`. */
    'deploy.hook': { hook: string; state: 'start' | 'skipped' | 'failed'; host?: string; role?: string; error?: string };
    /** A once step's migrations, new in `release`, recorded in every host's history. */
    'deploy.migrations': { host: string; step: string; release: string; migrations: string[] };
    /** A record that could not be written (the run goes on): the applied (`step`: the once step that listed
     *  them) or undone migrations, the deploy's history line, or the undo's journal entry. */
    'deploy.unrecorded': { host: string; what: 'migrations' | 'undone-migrations' | 'deploy' | 'undo'; error: string; step?: string };
    /** deployTag after a success: the tag made, or why not (no environment to name it after, or `error`). */
    'deploy.tag': { sha: string; tag?: string; pushed?: boolean; noEnvironment?: boolean; error?: string };
    /** strategy upload: the build starts in `dir` (a fresh export of `sha`)... */
    'deploy.build': { release: string; sha: string; dir: string };
    /** ...and its output, scanned once for every host's upload. */
    'deploy.built': { release: string; files: number; treeBytes: number };
    /** deploy.releases: one host's release directories, oldest first; `previous`: the rollback target. */
    'deploy.releases': { host: string; current?: string; previous?: string; rows: ReleaseRow[] };
    /** deploy.check: a host that passed. `freeKiB`: free space on the deploy path's file system. */
    'deploy.check': { host: string; root: string; user: string; current?: string; freeKiB?: number };
    /** A rollback's choices. target: the release chosen (and what it was deployed from); schema-ahead: it runs
     *  against migrations newer than its code; undo-migrations: rollbackMigrations undoes them, newest first;
     *  dry-run: a dry run cannot choose (the target comes from each host's history). */
    'deploy.rollback':
      | { state: 'target'; release: string; ref?: string; tag?: string; sha?: string; hosts: string[] }
      | { state: 'schema-ahead'; release: string; migrations: Array<{ name: string; release: string }> }
      | { state: 'undo-migrations'; release: string; migrations: string[] }
      | { state: 'dry-run' };
    /** A deploy's confirmation was not asked: --yes. */
    'deploy.confirm': { skipped: 'yes' };
  }
}
