// dpl's top level: parse flags, load the deployfile, then list, describe or run.
// Everything that runs tasks is imported only when tasks run, to keep --list fast.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PACKAGE_ROOT } from '../paths.js';
import { UsageError } from '../core/errors.js';
import { Secrets } from '../core/secrets.js';
import { deployfile } from '../core/deployfile.js';
import { parseInvocation } from '../core/grammar.js';
import { Registry } from '../core/registry.js';
import { builtinTasks, environmentTasks } from '../tasks/builtin.js';
import { findDeployfile, tryFindDeployfile } from '../loader/find.js';
import { loadDeployfile } from '../loader/load.js';
import { parseCli } from './options.js';
import { renderDescribe, renderList } from './list.js';
import { reportError } from './boundary.js';
import { subcommand } from './commands/table.js';
import type { Io } from './io.js';

export type { Io };


const defaultIo: Io = {
  out: (s) => void process.stdout.write(s),
  err: (s) => void process.stderr.write(s),
  get cwd() {
    return process.cwd();
  },
  processExits: true,
  get stdio() {
    return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
  },
};

export function version(): string {
  const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** -v / --verbose, known before the flags are parsed (for errors while parsing them). */
export function wantsVerbose(argv: string[]): boolean {
  return argv.includes('-v') || argv.includes('--verbose');
}

/**
 * `secrets`: what start-up took out of the environment (start.ts); the run's
 * events and this function's error report are masked with it.
 */
export async function main(argv: string[], io: Io = defaultIo, secrets: Secrets = new Secrets()): Promise<number> {
  const verbose = wantsVerbose(argv);
  try {
    secrets.checkEnv();
    // Subcommands need no deployfile (they shadow tasks of the same name).
    const command = subcommand(argv[0])?.name;
    if (command === 'help') return await (await import('./help.js')).runHelp(argv.slice(1), io, version());
    if (command) return await (await import('./commands/index.js')).runCommand(command, argv.slice(1), io, secrets);
    const cli = parseCli(argv, version(), io);
    if (cli === 'exit') return 0;
    const adhocOnly = cli.adhoc !== undefined && cli.tokens.length === 0 && !cli.list && !cli.describe;
    const file = adhocOnly && !cli.deployfile ? tryFindDeployfile(io.cwd) : findDeployfile(io.cwd, cli.deployfile);
    const definition = file ? await loadDeployfile(file) : deployfile({ tasks: {} });
    const registry = new Registry({ ...environmentTasks(definition), ...definition.tasks }, builtinTasks);
    if (cli.list) {
      io.out(cli.flags.json ? JSON.stringify(registry.list().map((t) => ({ name: t.name, desc: t.def.options.desc ?? '', builtin: t.builtin }))) + '\n' : renderList(registry));
      return 0;
    }
    if (cli.describe) {
      io.out(renderDescribe(registry.get(cli.describe)));
      return 0;
    }
    if (cli.tokens.length === 0 && cli.adhoc === undefined) {
      throw new UsageError('no task given', { code: 'usage.no-task', hint: 'run `dpl --list` to see the tasks, `dpl --help` for the options' });
    }
    const invocations = cli.tokens.map(parseInvocation);
    const { executeRun } = await import('./execute.js');
    return await executeRun({ cli, definition, registry, invocations, root: file ? dirname(file) : io.cwd, io, secrets });
  } catch (e) {
    return reportError(e, { verbose, writeErr: io.err, secrets });
  }
}
