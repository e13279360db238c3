// Which hosts one invocation runs on, and how. Precedence (Fabric 1):
//   per-invocation keys (host=, roles=, ...) > the task's own hosts/roles
//   > what earlier tasks or -H/-R chose (run.selection) > none: run once locally.
// Exclusions from -x, earlier tasks and exclude_hosts= always apply.
import type { Host } from './host.js';
import type { Run, Selection } from './context-types.js';
import type { Invocation } from './grammar.js';
import type { TaskOptions } from './task.js';

export type PlanMode = 'local' | 'serial' | 'parallel' | 'once';

export interface TaskPlan {
  task: string;
  mode: PlanMode;
  hosts: Host[];
  poolSize: number;
  /** Where the host list came from, for --dry-run and -v. */
  source: 'invocation' | 'task' | 'run' | 'none';
}

export function chooseSelection(
  inv: Pick<Invocation, 'hosts' | 'roles' | 'excludeHosts'> | undefined,
  options: TaskOptions<any>,
  run: Pick<Run, 'selection'>,
): { selection: Selection; source: TaskPlan['source'] } {
  const exclude = [...(run.selection.exclude ?? []), ...(inv?.excludeHosts ?? [])];
  if (inv?.hosts?.length || inv?.roles?.length) {
    return { selection: { hosts: inv.hosts, roles: inv.roles, exclude }, source: 'invocation' };
  }
  if (options.hosts?.length || options.roles?.length) {
    return { selection: { hosts: options.hosts, roles: options.roles, exclude }, source: 'task' };
  }
  if (run.selection.hosts?.length || run.selection.roles?.length) {
    return { selection: { hosts: run.selection.hosts, roles: run.selection.roles, exclude }, source: 'run' };
  }
  return { selection: { exclude }, source: 'none' };
}

export async function planTask(
  name: string,
  inv: Pick<Invocation, 'hosts' | 'roles' | 'excludeHosts'> | undefined,
  options: TaskOptions<any>,
  run: Run,
): Promise<TaskPlan> {
  if (options.local) return { task: name, mode: 'local', hosts: [], poolSize: 1, source: 'none' };
  const { selection, source } = chooseSelection(inv, options, run);
  if (options.orchestrator) {
    const targets = source === 'none' ? [] : await run.resolveHosts(selection);
    return { task: name, mode: 'local', hosts: targets, poolSize: run.flags.poolSize ?? Math.max(targets.length, 1), source };
  }
  if (source === 'none') return { task: name, mode: 'local', hosts: [], poolSize: 1, source };
  const hosts = await run.resolveHosts(selection);
  if (options.runsOnce) return { task: name, mode: 'once', hosts: hosts.slice(0, 1), poolSize: 1, source };
  const parallel = !options.serial && (options.parallel !== undefined && options.parallel !== false ? true : run.flags.parallel);
  const poolSize =
    typeof options.parallel === 'number' ? options.parallel : (run.flags.poolSize ?? Math.max(hosts.length, 1));
  return { task: name, mode: parallel ? 'parallel' : 'serial', hosts, poolSize: Math.max(1, poolSize), source };
}
