// Runs invocations in command-line order; each task finishes on all its hosts
// before the next starts. One host at a time stops at the first failed host; at
// once, every host in flight finishes, then all failures are reported together.
import type { Host } from './host.js';
import { ConnectionError, DplError, HostKeyError, HostsFailedError, InterruptedError, errorCode, type HostFailure } from './errors.js';
import { bindArgs } from './args.js';
import type { Invocation } from './grammar.js';
import type { Registry, RegisteredTask } from './registry.js';
import type { HostResult, Selection } from './context-types.js';
import { fanOut } from './fanout.js';
import { noHostsError, overrideOf, planTask, type TaskPlan } from './plan.js';
import { HostContext } from './context.js';
import type { RunImpl } from './run.js';
import { modeOf } from './task.js';
import { LOCAL_HOST } from '../transport/local.js';
import { attribute } from '../loader/attribute.js';
import type {} from './notices.js'; // the EventMap entries this file emits

export interface PreparedInvocation {
  inv: Invocation;
  task: RegisteredTask;
  args: Record<string, unknown>;
}

/** The event's wording for a plan (reporters read these). */
const EVENT_MODE = { each: 'serial', parallel: 'parallel', once: 'once', local: 'local', targets: 'local' } as const;

export class Executor {
  constructor(
    private readonly run: RunImpl,
    private readonly registry: Registry,
  ) {}

  /**
   * Check every task name and argument, and that each task that runs on hosts can
   * get some, before anything runs (exit 2 on the first problem). A `local` task
   * before it may choose hosts (as `prod` does), so only a task no earlier one
   * could have chosen hosts for is refused here; the rest are checked as they run.
   */
  prepare(invocations: Invocation[]): PreparedInvocation[] {
    let mayHaveHosts = !!(this.run.selection.hosts?.length || this.run.selection.roles?.length);
    const envs = Object.keys(this.run.definition.environments ?? {});
    return invocations.map((inv) => {
      const task = this.registry.get(inv.name);
      const args = bindArgs(task.name, task.def.options.args, inv.args, inv.kwargs, inv.token);
      const mode = modeOf(task.def.options);
      const own = !!(task.def.options.hosts?.length || task.def.options.roles?.length || inv.hosts?.length || inv.roles?.length);
      if (mode === 'local') mayHaveHosts = true;
      else if (!own && !mayHaveHosts) throw noHostsError(task.name, envs);
      return { inv, task, args };
    });
  }

  async runAll(prepared: PreparedInvocation[]): Promise<void> {
    for (const p of prepared) {
      this.throwIfInterrupted();
      this.run.startInvocation(p.inv);
      await this.runTask(p.task, p.args, p.inv);
    }
  }

  runTask(task: RegisteredTask, args: Record<string, unknown>, inv?: Pick<Invocation, 'hosts' | 'roles' | 'excludeHosts'>, caller?: Host): Promise<Map<string, HostResult>> {
    if (modeOf(task.def.options) !== 'once') return this.runPlanned(task, args, inv, caller);
    // Once per run: later calls (the CLI again, or c.execute from every host) get the first result.
    const first = this.run.once.get(task.name);
    if (first) {
      this.run.events.emit('task.once', { task: task.name });
      return first;
    }
    const p = this.runPlanned(task, args, inv, caller);
    this.run.once.set(task.name, p);
    return p;
  }

  private async runPlanned(
    task: RegisteredTask,
    args: Record<string, unknown>,
    inv: Pick<Invocation, 'hosts' | 'roles' | 'excludeHosts'> | undefined,
    caller: Host | undefined,
  ): Promise<Map<string, HostResult>> {
    const plan = await planTask(task.name, inv, task.def.options, this.run, caller);
    const override = overrideOf(plan, task.def.options, this.run);
    if (override) this.run.events.emit('task.override', override);
    const started = performance.now();
    const targets = plan.mode === 'targets';
    const here = plan.mode === 'local' || targets;
    this.run.events.emit('task.start', { task: task.name, hosts: plan.mode === 'local' ? ['local'] : plan.hosts.map((h) => h.name), mode: plan.mode === 'each' && plan.limit > 1 ? 'parallel' : EVENT_MODE[plan.mode], ...(targets ? { orchestrated: true } : {}) });
    if (plan.mode !== 'local' && plan.hosts.length === 0) {
      this.run.events.emit('task.empty', { task: task.name });
    }
    const results = new Map<string, HostResult>();
    if (here) {
      if (plan.mode === 'local' || plan.hosts.length) results.set('local', await this.runOnHost(task, LOCAL_HOST, args, plan));
    } else {
      this.run.warm(plan.hosts.slice(0, plan.limit));
      await fanOut(
        plan.hosts,
        async (h) => {
          const r = await this.runOnHost(task, h, args, plan);
          results.set(h.name, r);
          if (!r.ok && !r.skipped) throw r.error;
        },
        { limit: plan.limit, stop: () => this.run.signal.aborted, stopOnFailure: plan.limit === 1 },
      );
    }

    const failures: HostFailure[] = [...results.values()].filter((r) => !r.ok && !r.skipped).map((r) => ({ host: r.host, error: r.error! }));
    this.run.events.emit('task.end', {
      task: task.name,
      ok: failures.length === 0,
      failed: targets ? targetFailures(plan, failures) : failures.map((f) => f.host),
      durationMs: performance.now() - started,
    });
    // A task run here has one "host": its own error (exit code, hint) says it best.
    if (failures.length === 1 && here) throw failures[0]!.error;
    if (failures.length) throw new HostsFailedError(task.name, failures, results);
    this.throwIfInterrupted(plan, results);
    return results;
  }

  /** `c.execute(name, args, on)` from inside a task: Fabric's execute(), on the calling host by default. */
  readonly executeFrom = async (
    name: string,
    args: Record<string, string> | string[] | undefined,
    on: Selection | undefined,
    caller: Host,
  ): Promise<Map<string, HostResult<unknown>>> => {
    const task = this.registry.get(name);
    const positional = Array.isArray(args) ? args : [];
    const named = Array.isArray(args) ? {} : (args ?? {});
    const bound = bindArgs(task.name, task.def.options.args, positional, named);
    const inv = on ? { hosts: on.hosts?.map(String), roles: on.roles, excludeHosts: on.exclude } : undefined;
    return this.runTask(task, bound, inv, caller === LOCAL_HOST ? undefined : caller);
  };

  private async runOnHost(task: RegisteredTask, host: Host, args: Record<string, unknown>, plan: TaskPlan): Promise<HostResult> {
    const started = performance.now();
    this.run.events.emit('host.start', { task: task.name, host: host.name });
    const targets = plan.mode === 'targets' ? plan.hosts : plan.mode === 'local' ? [] : [host];
    const ctx = new HostContext(host, this.run, { name: task.name, root: {}, targets, limit: plan.limit, execute: this.executeFrom });
    let result: HostResult;
    try {
      result = { host: host.name, ok: true, value: await task.def.fn(ctx as never, args as never) };
    } catch (e) {
      // A throw in the deployfile's own code (a TypeError in a task body) is reported at its line, as the deployfile's.
      // dpl throws only Errors: any other value came from the task's own code.
      const error = e instanceof Error ? (attribute(e) as Error) : new DplError(`${task.name} threw ${typeof e === 'string' ? JSON.stringify(e) : String(e)}`, { code: 'task.threw', hint: 'throw new Error(...) to see the line it came from' });
      const skip = this.run.flags.skipBadHosts && error instanceof ConnectionError && !(error instanceof HostKeyError);
      result = { host: host.name, ok: false, skipped: skip, error };
      if (skip) this.run.events.emit('host.skipped', { task: task.name, host: host.name, error: error.message });
    }
    this.run.events.emit('host.end', {
      task: task.name,
      host: host.name,
      ok: result.ok,
      skipped: result.skipped,
      error: result.error?.message,
      code: result.error ? errorCode(result.error) : undefined,
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

/** Which target hosts a `targets` task failed on: the ones its error names, else all. */
function targetFailures(plan: TaskPlan, failures: HostFailure[]): string[] {
  const error = failures[0]?.error;
  if (!error) return [];
  if (error instanceof HostsFailedError) return error.failures.map((f) => f.host);
  return plan.hosts.map((h) => h.name);
}
