// Subcommands: they work without a deployfile (they shadow tasks of the same
// name). This table is the one list of them: `dpl --help`, `dpl help NAME`,
// the dispatch (index.ts: each name's code, loaded only when it runs) and the
// completion scripts all read it. Data only, so any of them can import it.

export interface Subcommand {
  name: SubcommandName;
  /** As `dpl --help` lists it. */
  usage: string;
  summary: string;
}

export type SubcommandName = 'init' | 'check' | 'sandbox' | 'ssh' | 'ssh-config' | 'report' | 'completion' | 'help';

export const SUBCOMMANDS: readonly Subcommand[] = [
  { name: 'init', usage: 'dpl init [--hosts H,...] [--example] [--yes]', summary: 'write a starter deployfile.ts and a tsconfig.json here' },
  { name: 'check', usage: 'dpl check [-f PATH]', summary: "type-check the deployfile with the project's TypeScript" },
  { name: 'sandbox', usage: 'dpl sandbox up|down|status', summary: 'a local fleet (sshd hosts, HAProxy, a git origin) to try dpl on' },
  { name: 'ssh', usage: 'dpl ssh HOST [-- CMD]', summary: 'a shell (or one command) on a host, with dpl\'s connection settings' },
  { name: 'ssh-config', usage: 'dpl ssh-config HOST', summary: 'the ssh settings dpl uses for a host' },
  { name: 'report', usage: 'dpl report [RUN] [-o FILE]', summary: "an HTML page of a run's log: timeline per host, rollout, outcome" },
  { name: 'completion', usage: 'dpl completion bash|zsh', summary: 'a shell completion script' },
  // Handled in app.ts: it needs the deployfile's tasks.
  { name: 'help', usage: 'dpl help [TASK|COMMAND]', summary: 'this help; dpl help TASK describes a task (as -d does)' },
];

export function subcommand(name: string | undefined): Subcommand | undefined {
  return SUBCOMMANDS.find((s) => s.name === name);
}

/** The "Commands:" block of `dpl --help`. */
export function commandsHelp(): string {
  const width = Math.max(...SUBCOMMANDS.map((s) => s.usage.length)) + 2;
  return `\nCommands:\n${SUBCOMMANDS.map((s) => `  ${s.usage.padEnd(width)}${s.summary}`).join('\n')}\n`;
}
