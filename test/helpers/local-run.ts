// Unit-test harness: a Run whose "hosts" are all this machine (LocalTransport),
// so executor logic can be tested without SSH. Integration tests use the sshd bed.
import { EventBus, type DplEvent } from '../../src/core/events.js';
import { RunImpl } from '../../src/core/run.js';
import { Executor } from '../../src/core/executor.js';
import { Registry } from '../../src/core/registry.js';
import { builtinTasks, environmentTasks } from '../../src/tasks/builtin.js';
import { deployfile, type AnyDeployfile } from '../../src/core/deployfile.js';
import { LocalTransport } from '../../src/transport/local.js';
import { ConnectionError } from '../../src/core/errors.js';
import type { CliFlags, Selection } from '../../src/core/context-types.js';
import type { Host } from '../../src/core/host.js';

export function flags(over: Partial<CliFlags> = {}): CliFlags {
  return { parallel: false, warnOnly: false, skipBadHosts: false, dryRun: false, json: false, quiet: false, verbose: false, yes: false, ssh: {}, ...over };
}

export function localRun(
  def: Omit<AnyDeployfile, 'kind'>,
  opts: { flags?: Partial<CliFlags>; selection?: Selection; unreachable?: string[] } = {},
) {
  const events = new EventBus();
  const seen: DplEvent[] = [];
  events.on((e) => seen.push(e));
  const definition: AnyDeployfile = deployfile(def as Parameters<typeof deployfile>[0]);
  const run = new RunImpl({
    flags: flags(opts.flags),
    definition,
    root: process.cwd(),
    events,
    prompter: { interactive: false, secret: async () => 'secret', confirm: async () => false },
    selection: opts.selection,
    createPool: async () => ({
      get: async (h: Host) => {
        if (opts.unreachable?.includes(h.name)) throw new ConnectionError(h.name, 'connection refused');
        return new LocalTransport(h);
      },
      closeAll: async () => {},
    }),
  });
  const registry = new Registry({ ...environmentTasks(definition), ...definition.tasks }, builtinTasks);
  const executor = new Executor(run, registry);
  return { run, executor, registry, events: seen };
}
