// Runs the invocations: wires reporters to the run's events, handles Ctrl-C
// (first: stop starting work; second: kill), and always closes connections.
import { EventBus, type EventMap } from '../core/events.js';
import type { Secrets } from '../core/secrets.js';
import { DplError, HostError, HostsFailedError, UsageError, errorCode } from '../core/errors.js';
import type { AnyDeployfile } from '../core/deployfile.js';
import type { Invocation } from '../core/grammar.js';
import type { Registry } from '../core/registry.js';
import { RunImpl } from '../core/run.js';
import { Executor } from '../core/executor.js';
import { attachReporters } from '../reporters/attach.js';
import { RunTally } from '../reporters/summary.js';
import { TerminalPrompter } from './prompter.js';
import type { ParsedCli } from './options.js';
import type { Io } from './io.js';
import { adhocTask } from './adhoc.js';
import { atTerminal } from './terminal.js';
import type {} from './events.js'; // the EventMap entries this file emits

export interface ExecuteInput {
  cli: ParsedCli;
  definition: AnyDeployfile;
  registry: Registry;
  invocations: Invocation[];
  root: string;
  io: Io;
  /** The process's secrets (taken from the environment at start-up): every event is masked with them. */
  secrets: Secrets;
}

export async function executeRun({ cli, definition, registry, invocations, root, io, secrets }: ExecuteInput): Promise<number> {
  const events = new EventBus(secrets);
  const tally = new RunTally();
  events.on((e) => tally.observe(e));
  const reporters = attachReporters({ events, flags: cli.flags, out: io.out, root, config: definition.config ?? {} });

  const controller = new AbortController();
  const run = new RunImpl({
    flags: cli.flags,
    definition,
    root,
    events,
    prompter: new TerminalPrompter(events, secrets),
    signal: controller.signal,
    selection: { hosts: cli.hosts, roles: cli.roles, exclude: cli.exclude },
  });
  if (cli.flags.environment) run.useEnvironment(cli.flags.environment);
  const executor = new Executor(run, registry);
  let prepared: ReturnType<Executor['prepare']>;
  try {
    prepared = executor.prepare(invocations);
  } catch (e) {
    // An unknown task or bad arguments, before anything ran: --json still ends with run.end, whose
    // code is what a CI job matches on (the terminal has the error line; no summary is added there).
    if (cli.flags.json) {
      events.emit('run.end', { ok: false, durationMs: 0, tasks: 0, hostsOk: [], hostsFailed: [], ...failureFields(e, events) });
      await reporters.flush();
    }
    throw e;
  }

  let interrupts = 0;
  const onSigint = (signal: NodeJS.Signals): void => {
    interrupts++;
    if (interrupts === 1) {
      events.emit('run.interrupt', { signal: signal === 'SIGTERM' ? 'SIGTERM' : 'SIGINT' });
      controller.abort();
    } else {
      io.err('dpl: killed\n');
      process.exit(130);
    }
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);

  const started = performance.now();
  events.emit('run.start', { tasks: invocations.map((i) => i.token), dryRun: cli.flags.dryRun, schema: 1 });
  let failure: unknown;
  try {
    await executor.runAll(prepared);
    if (cli.adhoc !== undefined) {
      if (!run.selection.hosts?.length && !run.selection.roles?.length) {
        throw new UsageError(`no hosts to run "${cli.adhoc}" on`, { code: 'usage.hosts', hint: 'give hosts with -H or -R, or a task that selects them (e.g. `dpl prod -- uptime`)' });
      }
      // A terminal is handed to one host at a time: never under -P, and not when stdout is --json's.
      const f = cli.flags;
      const terminal = atTerminal(io.stdio) && !f.parallel && !f.json && !f.dryRun ? io.stdio : undefined;
      await executor.runTask(adhocTask(cli.adhoc, terminal), {});
    }
  } catch (e) {
    failure = e;
  } finally {
    await run.close({ processExits: io.processExits }).catch(() => undefined);
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
  events.emit('run.end', {
    ok: failure === undefined,
    durationMs: performance.now() - started,
    tasks: tally.tasks.size,
    hostsOk: tally.okHosts(),
    hostsFailed: [...tally.hostsFailed],
    ...(failure === undefined ? {} : failureFields(failure, events)),
  });
  await reporters.flush();
  if (failure !== undefined) throw failure;
  return 0;
}

/** run.end's error fields: message, hint, code, host, and each host's failure (plain JSON, text masked). */
function failureFields(failure: unknown, events: EventBus): Pick<EventMap['run.end'], 'error' | 'hint' | 'code' | 'host' | 'failures'> {
  const scrub = (text: string): string => events.scrubText(text);
  return {
    error: failure instanceof Error ? scrub(failure.message) : undefined,
    hint: failure instanceof DplError && failure.hint ? scrub(failure.hint) : undefined,
    code: errorCode(failure),
    host: failure instanceof HostError ? failure.host : undefined,
    failures:
      failure instanceof HostsFailedError
        ? failure.failures.map((f) => ({ host: f.host, code: errorCode(f.error), message: scrub(f.error.message), ...(f.error instanceof DplError && f.error.hint ? { hint: scrub(f.error.hint) } : {}) }))
        : undefined,
  };
}
