// What each subcommand in table.ts runs; its code loads only when it is run.
// `help` is app.ts's: it needs the deployfile's tasks.
import { UsageError } from '../../core/errors.js';
import type { Secrets } from '../../core/secrets.js';
import type { Io } from '../io.js';
import { SUBCOMMANDS, type SubcommandName } from './table.js';

type Runner = (args: string[], io: Io, secrets?: Secrets) => Promise<number>;

const RUNNERS: Record<Exclude<SubcommandName, 'help'>, Runner> = {
  init: async (args, io) => (await import('./init.js')).runInit(args, io),
  check: async (args, io) => (await import('./check.js')).runCheck(args, io),
  sandbox: async (args, io) => (await import('./sandbox.js')).runSandbox(args, io),
  ssh: async (args, io, secrets) => (await import('./ssh.js')).runSsh(args, io, secrets),
  'ssh-config': async (args, io) => (await import('./ssh-config.js')).runSshConfig(args, io),
  report: async (args, io) => (await import('./report.js')).runReport(args, io),
  completion: async (args, io) => (await import('./completion.js')).runCompletion(args, io),
};

export function runnerOf(name: string): Runner | undefined {
  return Object.hasOwn(RUNNERS, name) ? RUNNERS[name as keyof typeof RUNNERS] : undefined;
}

export async function runCommand(name: string, args: string[], io: Io, secrets?: Secrets): Promise<number> {
  const run = runnerOf(name);
  if (!run) throw new UsageError(`unknown subcommand "dpl ${name}"`, { hint: `subcommands: ${SUBCOMMANDS.map((c) => c.name).join(', ')}` });
  return run(args, io, secrets);
}
