// Hints name the release tasks as this deployfile mounted them (`deploy.recover`, or
// `app.recover` under `tasks: { app: releaseTasks(...) }`), after what chose the hosts:
// -H/-R/-x, the environment or the tasks that chose them, and the running task's own
// host keys (`hosts=web-0;web-1`), so the command a hint prints acts on the same hosts.
import type { Context } from '../core/context-types.js';
import { quote, quoteArgs } from '../core/quote.js';

export type ReleaseTask = 'release' | 'rollback' | 'releases' | 'cleanup' | 'unlock' | 'recover' | 'check';

/** `dpl -R web prod deploy.recover`: the sibling `task` of the release task running in `c`; `args` start with `:`. */
export type TaskCommand = (task: ReleaseTask, args?: string) => string;

export function releaseCommand(c: Pick<Context, 'taskName' | 'environment' | 'session'>): TaskCommand {
  // Release tasks are `<mount>.<leaf>`; a task of the deployfile's own that calls them has no mount to go by.
  const dot = c.taskName.lastIndexOf('.');
  const mount = dot > 0 ? c.taskName.slice(0, dot) : 'deploy';
  // The tasks that chose where this runs (`prod:out`, `host:web-0`), else the environment's name.
  const scope = c.session.scope.length ? c.session.scope : c.environment ? [c.environment.name] : [];
  const words = [...(c.session.hostFlags ?? []), ...scope];
  const before = words.length ? `${quoteArgs(words)} ` : '';
  const keys = c.session.hostKeys ?? [];
  return (task, args = '') => {
    const name = task === 'release' ? mount : `${mount}.${task}`;
    const all = keys.length ? `${args ? `${args},` : ':'}${keys.join(',')}` : args;
    return `dpl ${before}${quote(`${name}${all}`)}`;
  };
}
