// Runs deployfile tasks in this process with every host reached through the
// LocalTransport (each "host" is a deploy path on this machine). Fast checks of
// the deploy logic; the SSH behaviour is proven by the CLI tests on the bed.
import { EventBus, type DplEvent } from '../../src/core/events.js';
import { RunImpl } from '../../src/core/run.js';
import { Executor } from '../../src/core/executor.js';
import { Registry } from '../../src/core/registry.js';
import { parseInvocation } from '../../src/core/grammar.js';
import type { AnyDeployfile } from '../../src/core/deployfile.js';
import type { CliFlags } from '../../src/core/context-types.js';
import { LocalTransport } from '../../src/transport/local.js';

export interface InProcessResult {
  events: DplEvent[];
  error?: Error;
  logs: string[];
}

export async function runInProcess(
  definition: AnyDeployfile,
  root: string,
  tokens: string[],
  o: { hosts?: string[]; roles?: string[]; flags?: Partial<CliFlags>; controller?: AbortController; onEvent?: (e: DplEvent) => void } = {},
): Promise<InProcessResult> {
  const events = new EventBus();
  const seen: DplEvent[] = [];
  events.on((e) => {
    seen.push(e);
    o.onEvent?.(e);
  });
  const flags: CliFlags = { parallel: false, warnOnly: false, skipBadHosts: false, dryRun: false, json: false, quiet: false, verbose: false, yes: true, ssh: {}, ...o.flags };
  const run = new RunImpl({
    flags,
    definition,
    root,
    events,
    signal: (o.controller ?? new AbortController()).signal,
    prompter: { interactive: false, secret: async () => '', confirm: async () => true },
    selection: { hosts: o.hosts, roles: o.roles },
    createPool: async () => ({ get: async (h) => new LocalTransport(h), closeAll: async () => {} }),
  });
  const executor = new Executor(run, new Registry(definition.tasks));
  let error: Error | undefined;
  try {
    await executor.runAll(executor.prepare(tokens.map(parseInvocation)));
  } catch (e) {
    error = e as Error;
  }
  const logs = seen.filter((e): e is Extract<DplEvent, { type: 'log' }> => e.type === 'log').map((e) => (e.host ? `[${e.host}] ` : '') + e.message);
  return { events: seen, error, logs };
}
