// Hints name the release tasks as this deployfile mounted them (`deploy.recover`, or
// `app.recover` under `tasks: { app: releaseTasks(...) }`), after the environment task
// that chose the hosts, so the command a hint prints runs as printed.
import type { Context } from '../core/context-types.js';

export type ReleaseTask = 'release' | 'rollback' | 'releases' | 'cleanup' | 'unlock' | 'recover' | 'check';

/** `dpl prod deploy.recover`: the sibling `task` of the release task running in `c`. */
export type TaskCommand = (task: ReleaseTask, args?: string) => string;

export function releaseCommand(c: Pick<Context, 'taskName' | 'environment'>): TaskCommand {
  // Release tasks are `<mount>.<leaf>`; a task of the deployfile's own that calls them has no mount to go by.
  const dot = c.taskName.lastIndexOf('.');
  const mount = dot > 0 ? c.taskName.slice(0, dot) : 'deploy';
  const env = c.environment ? `${c.environment.name} ` : '';
  return (task, args = '') => `dpl ${env}${task === 'release' ? mount : `${mount}.${task}`}${args}`;
}
