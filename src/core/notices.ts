// The executor's and a context's own notices, as typed events: a once-task asked
// again, a task whose own hosts replace the operator's choice, a task left with no
// host, a bad host skipped, a failure ignored under -w, a derived context left
// unused. Words: src/reporters/format/notices.ts.

/** Hosts and roles, as a selection names them. */
export interface NamedSelection {
  hosts: string[];
  roles: string[];
}

declare module './events.js' {
  interface EventMap {
    /** A `once` task asked for again: its first result stands. */
    'task.once': { task: string };
    /** The task's own hosts/roles replace what was chosen before it (-H/-R, host:, an environment task). */
    'task.override': { task: string; own: NamedSelection; chosen: NamedSelection };
    /** Every host of the task was excluded: skipped. */
    'task.empty': { task: string };
    /** --skip-bad-hosts: a host that could not be reached is skipped (`error`: why). */
    'host.skipped': { task: string; host: string; error: string };
    /** -w (warn only): a failed command goes on as a warning (`error`: the failure, without the host). */
    'command.ignored': { host: string; command: string; code: number | null; signal: string | null; error: string };
    /** `c.<call>` returned a context that was never used; `command` ran on the unchanged c. */
    'context.unused': { host?: string; call: string; command: string };
  }
}

export type NoticeEvent = 'task.once' | 'task.override' | 'task.empty' | 'host.skipped' | 'command.ignored' | 'context.unused';
