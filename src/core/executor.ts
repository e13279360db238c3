// Runs invocations in command-line order; each task finishes on all its hosts
// before the next starts. Serial stops at the first failed host; parallel lets
// every host in flight finish, then reports all failures together.
import type { Host } from './host.js';
import { ConnectionError, HostKeyError, HostsFailedError, InterruptedError, type HostFailure } from './errors.js';
import { bindArgs } from './args.js';
import type { Invocation } from './grammar.js';
import type { Registry, RegisteredTask } from './registry.js';
import type { HostResult, Selection } from './context-types.js';
import { planTask, type TaskPlan } from './plan.js';
import { HostContext } from './context.js';
import type { RunImpl } from './run.js';
import { runPool } from './pool-runner.js';
import { LOCAL_HOST } from '../transport/local.js';

export interface PreparedInvocation {
  inv: Invocation;
  task: RegisteredTask;
  args: Record<string, unknown>;
}

export class Executor {
  constructor(
    private readonly run: RunImpl,
    private readonly registry: Registry,
  ) {}

  /** Check every task name and argument before anything runs (exit 2 on the first bad one). */
  prepare(invocations: Invocation[]): PreparedInvocation[] {
    return invocations.map((inv) => {
      const task = this.registry.get(inv.name);
      return { inv, task, args: bindArgs(task.name, task.def.options.args, inv.args, inv.kwargs, inv.token) };
    });
  }

  plan(p: PreparedInvocation): Promise<TaskPlan> {
    return planTask(p.task.name, p.inv, p.task.def.options, this.run);
  }

  async runAll(prepared: PreparedInvocation[]): Promise<void> {
    for (const p of prepared) {
      this.throwIfInterrupted();
      await this.runTask(p.task, p.args, p.inv);
    }
  }

  async runTask(
    task: RegisteredTask,
    args: Record<string, unknown>,
    inv?: Pick<Invocation, 'hosts' | 'roles' | 'excludeHosts'>,
  ): Promise<Map<string, HostResult>> {
    const plan = await planTask(task.name, inv, task.def.options, this.run);
    const started = performance.now();
    const orchestrated = !!task.def.options.orchestrator;
    const hostNames = plan.mode === 'local' && !orchestrated ? ['local'] : plan.hosts.map((h) => h.name);
    this.run.events.emit('task.start', { task: task.name, hosts: hostNames, mode: plan.mode, ...(orchestrated ? { orchestrated } : {}) });
    if ((plan.mode !== 'local' || orchestrated) && plan.hosts.length === 0 && plan.source !== 'none') {
      this.run.events.emit('log', { level: 'warn', message: `${task.name}: no hosts left to run on (all excluded); skipped` });
    }
    const results = new Map<string, HostResult>();
    const record = (r: HostResult): boolean => {
      results.set(r.host, r);
      return r.ok || !!r.skipped;
    };

    if (plan.mode === 'local') {
      record(await this.runOnHost(task, LOCAL_HOST, args, plan.hosts));
    } else if (plan.mode === 'parallel') {
      this.run.warm(plan.hosts.slice(0, plan.poolSize));
      await runPool(plan.hosts, plan.poolSize, async (h) => record(await this.runOnHost(task, h, args)), () => this.run.signal.aborted);
    } else {
      this.run.warm(plan.hosts.slice(0, 1));
      for (const h of plan.hosts) {
        if (this.run.signal.aborted) break;
        if (!record(await this.runOnHost(task, h, args))) break;
      }
    }

    const failures: HostFailure[] = [...results.values()]
      .filter((r) => !r.ok && !r.skipped)
      .map((r) => ({ host: r.host, error: r.error! }));
    this.run.events.emit('task.end', {
      task: task.name,
      ok: failures.length === 0,
      failed: orchestrated ? orchestratedFailures(plan, failures) : failures.map((f) => f.host),
      durationMs: performance.now() - started,
    });
    // A local task has one "host": its own error (exit code, hint) says it best.
    if (failures.length === 1 && plan.mode === 'local') throw failures[0]!.error;
    if (failures.length) throw new HostsFailedError(task.name, failures, results);
    this.throwIfInterrupted(plan, results);
    return results;
  }

  /** `c.execute(name, args, on)` from inside a task. */
  readonly execute = async (
    name: string,
    args: Record<string, string> | string[] | undefined,
    on: Selection | undefined,
  ): Promise<Map<string, HostResult<any>>> => {
    const task = this.registry.get(name);
    const positional = Array.isArray(args) ? args : [];
    const named = Array.isArray(args) ? {} : (args ?? {});
    const bound = bindArgs(task.name, task.def.options.args, positional, named);
    const inv = on ? { hosts: on.hosts?.map(String), roles: on.roles, excludeHosts: on.exclude } : undefined;
    return this.runTask(task, bound, inv);
  };

  private async runOnHost(task: RegisteredTask, host: Host, args: Record<string, unknown>, targets: Host[] = [host]): Promise<HostResult> {
    const started = performance.now();
    this.run.events.emit('host.start', { task: task.name, host: host.name });
    const ctx = new HostContext(host, this.run, task.name, this.execute, targets);
    let result: HostResult;
    try {
      result = { host: host.name, ok: true, value: await task.def.fn(ctx, args as never) };
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      const skip = this.run.flags.skipBadHosts && error instanceof ConnectionError && !(error instanceof HostKeyError);
      result = { host: host.name, ok: false, skipped: skip, error };
      if (skip) this.run.events.emit('log', { host: host.name, level: 'warn', message: `skipping bad host: ${error.message}` });
    }
    this.run.events.emit('host.end', {
      task: task.name,
      host: host.name,
      ok: result.ok,
      skipped: result.skipped,
      error: result.error?.message,
      durationMs: performance.now() - started,
    });
    return result;
  }

  private throwIfInterrupted(plan?: TaskPlan, results?: Map<string, HostResult>): void {
    if (!this.run.signal.aborted) return;
    if (!plan || !results) throw new InterruptedError('interrupted before the next task started');
    const state = plan.hosts.map((h) => `${h.name}: ${results.has(h.name) ? (results.get(h.name)!.ok ? 'done' : 'failed') : 'not started'}`);
    throw new InterruptedError(`interrupted during ${plan.task}` + (state.length ? `\n  ${state.join('\n  ')}` : ''));
  }
}

/** Which target hosts an orchestrator task failed on: the ones its error names, else all. */
function orchestratedFailures(plan: TaskPlan, failures: HostFailure[]): string[] {
  const error = failures[0]?.error;
  if (!error) return [];
  if (error instanceof HostsFailedError) return error.failures.map((f) => f.host);
  return plan.hosts.map((h) => h.name);
}
