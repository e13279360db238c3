// Unit-test harness: a Run whose "hosts" are all this machine (LocalTransport), so
// executor logic can be tested without SSH; the shared in-process harness underneath.
import { deployfile, type AnyDeployfile } from '../../src/core/deployfile.js';
import type { CliFlags, Selection } from '../../src/core/context-types.js';
import { harness, localPool } from './in-process.js';

export { flags } from './in-process.js';

export function localRun(def: Omit<AnyDeployfile, 'kind'>, opts: { flags?: Partial<CliFlags>; selection?: Selection; unreachable?: string[] } = {}) {
  const definition: AnyDeployfile = deployfile(def as Parameters<typeof deployfile>[0]);
  const { run, executor, registry, events } = harness({
    definition,
    root: process.cwd(),
    flags: opts.flags,
    selection: opts.selection,
    createPool: localPool(opts.unreachable),
    builtins: true,
  });
  return { run, executor, registry, events };
}
