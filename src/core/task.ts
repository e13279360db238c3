// Task *definitions*: what the deployfile declares. Invocations (what the CLI
// asked for) live in grammar.ts and plans (which hosts) in plan.ts.
import type { HostSpec, HostVars } from './host.js';
import type { Context } from './context-types.js';

export type ArgType = 'string' | 'number' | 'boolean' | 'list';

export interface ArgSpec {
  type?: ArgType;
  desc?: string;
  default?: string | number | boolean | readonly string[];
  required?: boolean;
  /** The values allowed; with `as const` the argument's type is their union. */
  choices?: readonly string[];
}

type ValueOf<S extends ArgSpec> = S['type'] extends 'number'
  ? number
  : S['type'] extends 'boolean'
    ? boolean
    : S['type'] extends 'list'
      ? string[]
      : S['choices'] extends readonly (infer C extends string)[]
        ? string extends C
          ? string
          : C
        : string;

/** The typed argument object a task function receives. */
export type ArgsOf<A extends Record<string, ArgSpec>> = {
  [K in keyof A]: A[K] extends { default: unknown } | { required: true } ? ValueOf<A[K]> : ValueOf<A[K]> | undefined;
};

/**
 * Where and how a task runs, one mode per task:
 * - `each` (default): on every selected host, one after another (all at once with -P);
 * - `parallel`: on every selected host at once, at most `limit` at a time;
 * - `once`: once per run, on the first selected host; later calls get the first result;
 * - `local`: on this machine only, never on hosts (tasks that configure the run, or drive a
 *   load balancer themselves);
 * - `targets`: once, here, driving the selected hosts itself through `c.targets` (deploys).
 */
export type RunMode = 'each' | 'parallel' | 'once' | 'local' | 'targets';

interface OnHosts {
  /** The task's own hosts: they win over what the operator chose (a line says so). */
  hosts?: HostSpec[];
  /** The task's own roles. */
  roles?: string[];
}
interface NoHosts {
  hosts?: never;
  roles?: never;
}

/** The mode and what goes with it: combinations that mean nothing cannot be written. */
export type ModeOptions =
  | ({ run?: 'each'; /** How many hosts at once under -P. */ limit?: number } & OnHosts)
  | ({ run: 'parallel'; /** How many hosts at once (default: all). */ limit?: number } & OnHosts)
  | ({ run: 'once'; limit?: never } & OnHosts)
  | ({ run: 'targets'; /** Default for `c.targets.each`. */ limit?: number } & OnHosts)
  | ({ run: 'local'; limit?: never } & NoHosts);

export type TaskOptions<A extends Record<string, ArgSpec> = Record<string, ArgSpec>> = {
  /** One line shown by --list. */
  desc?: string;
  /** Arguments in positional order: `task:a,b` fills them in order, `key=value` by name. */
  args?: A;
  aliases?: string[];
} & ModeOptions;

export type TaskFn<A extends Record<string, ArgSpec>, R, V extends HostVars = HostVars> = (c: Context<V>, args: ArgsOf<A>) => Promise<R> | R;

export interface TaskDefinition<A extends Record<string, ArgSpec> = Record<string, ArgSpec>, R = unknown, V extends HostVars = HostVars> {
  readonly kind: 'task';
  readonly options: TaskOptions<A>;
  readonly fn: TaskFn<A, R, V>;
}

/**
 * Any task for hosts with variables V, whatever its arguments and result: every
 * TaskDefinition is one (its fn is only called by the executor, with the
 * arguments it bound). As a contextual type it gives inline tasks their V.
 */
export interface AnyTask<V extends HostVars = HostVars> {
  readonly kind: 'task';
  readonly options: TaskOptions<Record<string, ArgSpec>>;
  readonly fn: (c: Context<V>, args: never) => unknown;
}

export type CollectionEntries<V extends HostVars = HostVars> = { readonly [name: string]: AnyTask<V> | NamespaceDefinition<CollectionEntries<V>> };

export interface NamespaceDefinition<T = CollectionEntries> {
  readonly kind: 'namespace';
  readonly desc?: string;
  /** Name of the task that runs when the namespace itself is invoked (`dpl deploy`). */
  readonly default?: string;
  /** The namespace's tasks, with their own types: `ns.tasks.release.fn` needs no cast. */
  readonly tasks: T;
}

const MODES: readonly RunMode[] = ['each', 'parallel', 'once', 'local', 'targets'];
const OLD_OPTIONS: Record<string, string> = {
  local: "run: 'local'",
  parallel: "run: 'parallel' (and limit: N for a pool size)",
  serial: "run: 'each' (the default; -P makes it parallel)",
  runsOnce: "run: 'once'",
  orchestrator: "run: 'targets'",
};

/** The options as the JS caller wrote them: types do not stop a plain-JS deployfile. */
function checkOptions(options: Record<string, unknown>): void {
  for (const [old, now] of Object.entries(OLD_OPTIONS)) {
    if (old in options) throw new TypeError(`task option "${old}" is gone: write ${now} (see CHANGELOG.md)`);
  }
  const run = options['run'] ?? 'each';
  if (!MODES.includes(run as RunMode)) throw new TypeError(`task option run: ${JSON.stringify(run)} is not one of ${MODES.join(', ')}`);
  if (run === 'local' && (options['hosts'] !== undefined || options['roles'] !== undefined)) {
    throw new TypeError("a task with run: 'local' runs on this machine: it cannot name hosts or roles");
  }
  const limit = options['limit'];
  if (limit !== undefined) {
    if (run === 'local' || run === 'once') throw new TypeError(`limit has no meaning with run: '${run}'`);
    if (!Number.isInteger(limit) || (limit as number) < 1) throw new TypeError('limit must be a whole number of hosts, at least 1');
  }
}

export function task<const A extends Record<string, ArgSpec> = {}, R = unknown, V extends HostVars = HostVars>(
  options: TaskOptions<A>,
  fn: TaskFn<A, R, V>,
): TaskDefinition<A, R, V>;
export function task<R, V extends HostVars = HostVars>(fn: TaskFn<{}, R, V>): TaskDefinition<{}, R, V>;
export function task(a: unknown, b?: unknown): TaskDefinition<Record<string, ArgSpec>, unknown, HostVars> {
  if (typeof a === 'function') return { kind: 'task', options: {}, fn: a as TaskFn<Record<string, ArgSpec>, unknown> };
  if (typeof b !== 'function') throw new TypeError('task(options, fn): fn must be a function');
  const options = (a ?? {}) as TaskOptions;
  checkOptions(options as Record<string, unknown>);
  return { kind: 'task', options, fn: b as TaskFn<Record<string, ArgSpec>, unknown> };
}

export function namespace<const T extends CollectionEntries>(tasks: T, options: { desc?: string; default?: keyof T & string } = {}): NamespaceDefinition<T> {
  if (options.default && !(options.default in tasks)) {
    throw new TypeError(`namespace default "${options.default}" is not one of its tasks`);
  }
  return { kind: 'namespace', tasks, desc: options.desc, default: options.default };
}

/** A task's mode (the default is `each`). */
export function modeOf(options: TaskOptions<never> | TaskOptions): RunMode {
  return options.run ?? 'each';
}
