// Hints name the release tasks as this deployfile mounted them (`deploy.recover`, or
// `app.recover` under `tasks: { app: releaseTasks(...) }`), after the environment task
// that chose the hosts, so the command a hint prints runs as printed.
import type { Context } from '../core/context-types.js';
import { quoteArgs } from '../core/quote.js';

export type ReleaseTask = 'release' | 'rollback' | 'releases' | 'cleanup' | 'unlock' | 'recover' | 'check';

/** `dpl prod deploy.recover`: the sibling `task` of the release task running in `c`. */
export type TaskCommand = (task: ReleaseTask, args?: string) => string;

export function releaseCommand(c: Pick<Context, 'taskName' | 'environment' | 'session'>): TaskCommand {
  // Release tasks are `<mount>.<leaf>`; a task of the deployfile's own that calls them has no mount to go by.
  const dot = c.taskName.lastIndexOf('.');
  const mount = dot > 0 ? c.taskName.slice(0, dot) : 'deploy';
  // The tasks that chose where this runs (`prod:out`, `host:web-0`), else the environment's name.
  const scope = c.session.scope.length ? c.session.scope : c.environment ? [c.environment.name] : [];
  const before = scope.length ? `${quoteArgs(scope)} ` : '';
  return (task, args = '') => `dpl ${before}${task === 'release' ? mount : `${mount}.${task}`}${args}`;
}
