// `dpl help [TASK|COMMAND]`: the general help (`dpl --help`), a subcommand's
// usage, or a task described as `dpl -d TASK` does. Works without a
// deployfile: then only the built-in tasks are known, and it says so.
import { UsageError } from '../core/errors.js';
import { deployfile } from '../core/deployfile.js';
import { Registry } from '../core/registry.js';
import { builtinTasks, environmentTasks } from '../tasks/builtin.js';
import { tryFindDeployfile } from '../loader/find.js';
import { loadDeployfile } from '../loader/load.js';
import { parseCli } from './options.js';
import { renderDescribe } from './list.js';
import { subcommand } from './commands/table.js';
import type { Io } from './io.js';

export async function runHelp(args: string[], io: Io, version: string): Promise<number> {
  if (args.length > 1) throw new UsageError(`dpl help takes one task or command, not ${args.length}`, { hint: 'dpl help deploy' });
  const [name] = args;
  const command = subcommand(name);
  if (!name || name === '-h' || name === '--help' || command?.name === 'help') {
    parseCli(['--help'], version, io);
    return 0;
  }
  if (command) return (await import('./commands/index.js')).runCommand(command.name, ['--help'], io);
  const file = tryFindDeployfile(io.cwd);
  const definition = file ? await loadDeployfile(file) : deployfile({ tasks: {} });
  const registry = new Registry({ ...environmentTasks(definition), ...definition.tasks }, builtinTasks);
  try {
    io.out(renderDescribe(registry.get(name)));
  } catch (e) {
    if (file || !(e instanceof UsageError)) throw e;
    throw new UsageError(e.message, { hint: 'no deployfile.ts here or above: only the built-in tasks are known (`dpl init` writes one)' });
  }
  return 0;
}
