// The one in-process harness: a real Run, Registry and Executor the way the CLI wires
// them, with the pool a test chooses (LocalTransport for unit tests of executor and
// deploy logic, the ssh2 pool on the bed for rollouts), CLI tokens through the real
// grammar, every event recorded. local-run.ts, deploy/in-process.ts and the rollout
// harness are thin uses of it.
import { EventBus, type DplEvent } from '../../src/core/events.js';
import { RunImpl, type RunInit } from '../../src/core/run.js';
import { Executor } from '../../src/core/executor.js';
import { Registry } from '../../src/core/registry.js';
import { parseInvocation } from '../../src/core/grammar.js';
import { builtinTasks, environmentTasks } from '../../src/tasks/builtin.js';
import { ConnectionError } from '../../src/core/errors.js';
import type { AnyDeployfile } from '../../src/core/deployfile.js';
import type { CliFlags, Prompter, Selection } from '../../src/core/context-types.js';
import type { Host } from '../../src/core/host.js';
import { LocalTransport } from '../../src/transport/local.js';

/** The CLI's flags with every switch off; `over` wins. */
export function flags(over: Partial<CliFlags> = {}): CliFlags {
  return { parallel: false, warnOnly: false, skipBadHosts: false, dryRun: false, json: false, quiet: false, verbose: false, yes: false, ssh: {}, ...over };
}

/** A pool whose every host is this machine; `unreachable` hosts refuse like a dead sshd. */
export function localPool(unreachable: readonly string[] = []): RunInit['createPool'] {
  return async () => ({
    get: async (h: Host) => {
      if (unreachable.includes(h.name)) throw new ConnectionError(h.name, 'connection refused');
      return new LocalTransport(h);
    },
    closeAll: async () => {},
  });
}

export interface HarnessOptions {
  definition: AnyDeployfile;
  root: string;
  flags?: Partial<CliFlags>;
  selection?: Selection;
  prompter?: Prompter;
  signal?: AbortSignal;
  /** Default: localPool(). */
  createPool?: RunInit['createPool'];
  /** Register the built-in tasks (`dpl tasks`, ...) as the CLI does. */
  builtins?: boolean;
  onEvent?(e: DplEvent): void;
}

export function harness(o: HarnessOptions) {
  const events = new EventBus();
  const seen: DplEvent[] = [];
  events.on((e) => {
    seen.push(e);
    o.onEvent?.(e);
  });
  const run = new RunImpl({
    flags: flags(o.flags),
    definition: o.definition,
    root: o.root,
    events,
    signal: o.signal,
    prompter: o.prompter ?? { interactive: false, secret: async () => 'secret', confirm: async () => false },
    selection: o.selection,
    createPool: o.createPool ?? localPool(),
  });
  const tasks = { ...environmentTasks(o.definition), ...o.definition.tasks };
  const registry = o.builtins ? new Registry(tasks, builtinTasks) : new Registry(tasks);
  const executor = new Executor(run, registry);
  /** Run CLI tokens (`deploy:v1.0.0`) as `dpl` would; resolves with the error, if any. `close`: end the run (pool, locks) after. */
  const dpl = async (tokens: string[], c: { close?: boolean } = {}): Promise<Error | undefined> => {
    try {
      await executor.runAll(executor.prepare(tokens.map(parseInvocation)));
      return undefined;
    } catch (e) {
      return e as Error;
    } finally {
      if (c.close) await run.close();
    }
  };
  return { run, executor, registry, events: seen, dpl };
}

/** Log lines as the terminal reporter would show them (`[host] message`), of one topic when given. */
export function logLines(events: readonly DplEvent[], topic?: string): string[] {
  return events
    .filter((e): e is Extract<DplEvent, { type: 'log' }> => e.type === 'log' && (!topic || e.topic === topic))
    .map((e) => (e.host ? `[${e.host}] ` : '') + e.message);
}
