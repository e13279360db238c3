// Subcommands: they work without a deployfile (they shadow tasks of the same
// name). This table is the one list of them: `dpl --help`, `dpl help NAME`,
// the dispatch in app.ts and the completion scripts all read it. Each
// subcommand's code loads only when it is run.
import { UsageError } from '../../core/errors.js';
import type { Secrets } from '../../core/secrets.js';
import type { Io } from '../app.js';

export interface Subcommand {
  name: string;
  /** As `dpl --help` lists it. */
  usage: string;
  summary: string;
  run?(args: string[], io: Io, secrets?: Secrets): Promise<number>;
}

export const SUBCOMMANDS: readonly Subcommand[] = [
  {
    name: 'init',
    usage: 'dpl init [--hosts H,...] [--example] [--yes]',
    summary: 'write a starter deployfile.ts and a tsconfig.json here',
    run: async (args, io) => (await import('./init.js')).runInit(args, io),
  },
  {
    name: 'check',
    usage: 'dpl check [-f PATH]',
    summary: "type-check the deployfile with the project's TypeScript",
    run: async (args, io) => (await import('./check.js')).runCheck(args, io),
  },
  {
    name: 'sandbox',
    usage: 'dpl sandbox up|down|status',
    summary: 'a local fleet (sshd hosts, HAProxy, a git origin) to try dpl on',
    run: async (args, io) => (await import('./sandbox.js')).runSandbox(args, io),
  },
  {
    name: 'ssh',
    usage: 'dpl ssh HOST [-- CMD]',
    summary: 'a shell (or one command) on a host, with dpl\'s connection settings',
    run: async (args, io, secrets) => (await import('./ssh.js')).runSsh(args, io, secrets),
  },
  {
    name: 'ssh-config',
    usage: 'dpl ssh-config HOST',
    summary: 'the ssh settings dpl uses for a host',
    run: async (args, io) => (await import('./ssh-config.js')).runSshConfig(args, io),
  },
  {
    name: 'completion',
    usage: 'dpl completion bash|zsh',
    summary: 'a shell completion script',
    run: async (args, io) => (await import('./completion.js')).runCompletion(args, io),
  },
  // Handled in app.ts: it needs the deployfile's tasks.
  { name: 'help', usage: 'dpl help [TASK|COMMAND]', summary: 'this help; dpl help TASK describes a task (as -d does)' },
];

export function subcommand(name: string | undefined): Subcommand | undefined {
  return SUBCOMMANDS.find((s) => s.name === name);
}

export async function runCommand(name: string, args: string[], io: Io, secrets?: Secrets): Promise<number> {
  const s = subcommand(name);
  if (!s?.run) throw new UsageError(`unknown subcommand "dpl ${name}"`, { hint: `subcommands: ${SUBCOMMANDS.map((c) => c.name).join(', ')}` });
  return s.run(args, io, secrets);
}

/** The "Commands:" block of `dpl --help`. */
export function commandsHelp(): string {
  const width = Math.max(...SUBCOMMANDS.map((s) => s.usage.length)) + 2;
  return `\nCommands:\n${SUBCOMMANDS.map((s) => `  ${s.usage.padEnd(width)}${s.summary}`).join('\n')}\n`;
}
