// Which hosts one invocation runs on, and how. Precedence (Fabric 1):
//   per-invocation keys (host=, roles=, ...) > the task's own hosts/roles
//   > the calling host (c.execute from a task on a host) > what earlier tasks,
//   -H/-R or an environment chose (run.selection).
// A task that runs on hosts and gets none is refused: nothing runs on this
// machine unless a task says `run: 'local'` (or `targets`, driving its hosts).
// Exclusions from -x, earlier tasks and exclude_hosts= always apply.
import type { Host } from './host.js';
import type { Selection } from './context-types.js';
import type { EventMap } from './events.js';
import type { NamedSelection } from './notices.js';
import { UsageError } from './errors.js';
import type { Invocation } from './grammar.js';
import type { RunImpl } from './run.js';
import { modeOf, type RunMode, type TaskOptions } from './task.js';

export interface TaskPlan {
  task: string;
  mode: RunMode;
  hosts: Host[];
  /** How many hosts at once (each under -P, parallel, and the default of `c.targets.each`). */
  limit: number;
  /** Where the host list came from, for --dry-run, -v and the override line. */
  source: 'invocation' | 'task' | 'caller' | 'run' | 'none';
}

type Inv = Pick<Invocation, 'hosts' | 'roles' | 'excludeHosts'>;

const chosen = (s: Selection | undefined): boolean => !!(s?.hosts?.length || s?.roles?.length);

export function chooseSelection(
  inv: Inv | undefined,
  options: TaskOptions<never> | TaskOptions,
  run: Pick<RunImpl, 'selection'>,
  caller?: Host,
): { selection: Selection; source: TaskPlan['source'] } {
  const exclude = [...(run.selection.exclude ?? []), ...(inv?.excludeHosts ?? [])];
  if (chosen(inv)) return { selection: { hosts: inv!.hosts, roles: inv!.roles, exclude }, source: 'invocation' };
  if (chosen(options)) return { selection: { hosts: options.hosts, roles: options.roles, exclude }, source: 'task' };
  if (caller) return { selection: { hosts: [caller], exclude }, source: 'caller' };
  if (chosen(run.selection)) return { selection: { hosts: run.selection.hosts, roles: run.selection.roles, exclude }, source: 'run' };
  return { selection: { exclude }, source: 'none' };
}

/** The refusal for a task that runs on hosts when none are chosen. */
export function noHostsError(name: string, environments: string[]): UsageError {
  const env = environments.length ? `, an environment (-E ${environments[0]}, or \`dpl ${environments[0]} ${name}\`)` : '';
  return new UsageError(`task "${name}" runs on hosts, and none are chosen: it would otherwise run on this machine`, {
    code: 'usage.hosts',
    hint: `choose hosts with -H host1,host2, roles with -R role${env}, or host:NAME before it; a task meant for this machine declares run: 'local'`,
  });
}

export async function planTask(name: string, inv: Inv | undefined, options: TaskOptions<never> | TaskOptions, run: RunImpl, caller?: Host): Promise<TaskPlan> {
  const mode = modeOf(options);
  if (mode === 'local') return { task: name, mode, hosts: [], limit: 1, source: 'none' };
  const { selection, source } = chooseSelection(inv, options, run, caller);
  if (source === 'none') throw noHostsError(name, Object.keys(run.definition.environments ?? {}));
  const resolved = source === 'caller' ? [caller!] : await run.resolveHosts(selection);
  const hosts = mode === 'once' ? resolved.slice(0, 1) : resolved;
  const all = Math.max(hosts.length, 1);
  const pool = options.limit ?? run.flags.poolSize ?? run.defaults.poolSize;
  const limit = mode === 'once' ? 1 : mode === 'each' && !run.flags.parallel ? 1 : Math.max(1, pool ?? all);
  return { task: name, mode, hosts, limit, source };
}

/** A task whose own hosts or roles replace what the operator chose (Fabric's precedence, said aloud): who chose what. */
export function overrideOf(plan: TaskPlan, options: TaskOptions<never> | TaskOptions, run: Pick<RunImpl, 'selection'>): EventMap['task.override'] | undefined {
  if (plan.source !== 'task' || !chosen(run.selection)) return undefined;
  const named = (s: Selection): NamedSelection => ({ hosts: (s.hosts ?? []).map(String), roles: [...(s.roles ?? [])] });
  return { task: plan.task, own: named(options), chosen: named(run.selection) };
}
