// Task *definitions*: what the deployfile declares. Invocations (what the CLI
// asked for) live in grammar.ts and plans (which hosts) in plan.ts.
import type { HostSpec } from './host.js';
import type { Context } from './context-types.js';

export type ArgType = 'string' | 'number' | 'boolean' | 'list';

export interface ArgSpec {
  type?: ArgType;
  desc?: string;
  default?: string | number | boolean | string[];
  required?: boolean;
  choices?: readonly string[];
}

type ValueOf<S extends ArgSpec> = S['type'] extends 'number'
  ? number
  : S['type'] extends 'boolean'
    ? boolean
    : S['type'] extends 'list'
      ? string[]
      : string;

/** The typed argument object a task function receives. */
export type ArgsOf<A extends Record<string, ArgSpec>> = {
  [K in keyof A]: A[K] extends { default: unknown } | { required: true } ? ValueOf<A[K]> : ValueOf<A[K]> | undefined;
};

export interface TaskOptions<A extends Record<string, ArgSpec> = Record<string, ArgSpec>> {
  /** One line shown by --list. */
  desc?: string;
  /** Arguments in positional order: `task:a,b` fills them in order, `key=value` by name. */
  args?: A;
  /** The task's own hosts (override what earlier tasks or -H chose). */
  hosts?: HostSpec[];
  /** The task's own roles. */
  roles?: string[];
  /** Run on all hosts at once; a number is the pool size. */
  parallel?: boolean | number;
  /** Never parallel, even with -P. */
  serial?: boolean;
  /** Run once, on the first host (or locally when there are none). */
  runsOnce?: boolean;
  /** Never runs on hosts: tasks like `prod` that only configure the run. */
  local?: boolean;
  /**
   * Runs once, locally, and drives many hosts itself (deploys with barriers):
   * `c.targets` holds the hosts that host precedence chose for it.
   */
  orchestrator?: boolean;
  aliases?: string[];
}

export type TaskFn<A extends Record<string, ArgSpec>, R> = (c: Context, args: ArgsOf<A>) => Promise<R> | R;

export interface TaskDefinition<A extends Record<string, ArgSpec> = Record<string, ArgSpec>, R = unknown> {
  readonly kind: 'task';
  readonly options: TaskOptions<A>;
  readonly fn: TaskFn<A, R>;
}

export type CollectionEntries = { [name: string]: TaskDefinition<any, any> | NamespaceDefinition };

export interface NamespaceDefinition {
  readonly kind: 'namespace';
  readonly desc?: string;
  /** Name of the task that runs when the namespace itself is invoked (`dpl deploy`). */
  readonly default?: string;
  readonly tasks: CollectionEntries;
}

export function task<const A extends Record<string, ArgSpec> = {}, R = unknown>(
  options: TaskOptions<A>,
  fn: TaskFn<A, R>,
): TaskDefinition<A, R>;
export function task<R>(fn: TaskFn<{}, R>): TaskDefinition<{}, R>;
export function task(a: any, b?: any): TaskDefinition<any, any> {
  if (typeof a === 'function') return { kind: 'task', options: {}, fn: a };
  if (typeof b !== 'function') throw new TypeError('task(options, fn): fn must be a function');
  return { kind: 'task', options: a ?? {}, fn: b };
}

export function namespace(
  tasks: CollectionEntries,
  options: { desc?: string; default?: string } = {},
): NamespaceDefinition {
  if (options.default && !(options.default in tasks)) {
    throw new TypeError(`namespace default "${options.default}" is not one of its tasks`);
  }
  return { kind: 'namespace', tasks, desc: options.desc, default: options.default };
}
