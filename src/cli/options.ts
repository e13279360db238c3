// Command-line flags (Fabric 1 letters where Fabric had them). Parsing only:
// no deployfile is loaded and no host touched here.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { UsageError } from '../core/errors.js';
import type { CliFlags } from '../core/context-types.js';
import { parseList } from '../core/grammar.js';
import { commandsHelp } from './commands/table.js';

export interface ParsedCli {
  tokens: string[];
  adhoc?: string;
  deployfile?: string;
  list: boolean;
  describe?: string;
  hosts: string[];
  roles: string[];
  exclude: string[];
  flags: CliFlags;
}

export const positiveInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive whole number`);
  return n;
};
const seconds = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a number of seconds above 0`);
  return Math.round(n * 1000);
};

/** `500ms`, `30s`, `2m`, `1h` (a unit is required: a bare 30 could mean either). */
export const duration = (name: string) => (v: string) => {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(v.trim());
  const ms = m ? Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'] : NaN;
  if (!(ms >= 1)) throw new InvalidArgumentError(`${name} must be a duration above 0 with its unit, such as 30s, 2m or 500ms`);
  return Math.round(ms);
};

export function buildProgram(version: string, write: { out: (s: string) => void }): Command {
  return new Command('dpl')
    .usage('[options] [task[:arg,key=value] ...] [-- command]')
    .description('Run deployfile tasks on hosts over SSH (Fabric-style).')
    .version(version, '--version')
    .option('-f, --deployfile <path>', 'deployfile to use (default: deployfile.ts here or in a parent)')
    .option('-l, --list', 'list tasks and exit')
    .option('-d, --describe <task>', 'describe one task and exit')
    .option('-H, --hosts <hosts>', 'comma-separated hosts for the tasks (user@host:port or inventory names)')
    .option('-R, --roles <roles>', 'comma-separated roles for the tasks')
    .option('-x, --exclude-hosts <hosts>', 'comma-separated hosts to leave out')
    .option('-E, --environment <name>', 'start in this environment (its roles and hosts), like `dpl <name> ...`')
    .option('-P, --parallel', 'run tasks on all hosts at once (unless a task is serial)')
    .option('-z, --pool-size <n>', 'how many hosts at once in parallel', positiveInt('--pool-size'))
    .option('--max-connections <n>', 'open SSH connections at most; idle ones past it close and reopen on demand (default 1000)', positiveInt('--max-connections'))
    .option('-w, --warn-only', 'a failing command warns instead of stopping the task')
    .option('--skip-bad-hosts', 'skip hosts that cannot be reached instead of failing')
    .option('--dry-run', "print each host's commands; touch no host")
    .option('--json', 'one JSON event per line on stdout')
    .option('-q, --quiet', 'only warnings, errors and the summary')
    .option('-v, --verbose', 'timings, debug events and stack traces')
    .option('-y, --yes', 'answer yes to confirmations')
    .option('--no-rollback', 'when a rollout fails, stop and leave hosts as they are for inspection')
    .option('--lock-wait <duration>', 'wait this long (30s, 2m) for a deploy lock held by another deploy instead of failing', duration('--lock-wait'))
    .option('--force', 'take over a stale deploy lock: its dpl ran on this machine and is no longer running')
    .option('-u, --user <user>', 'login user (wins over ssh config, like ssh -l; a user@ in the host string wins over it)')
    .option('-p, --port <port>', 'ssh port (wins over ssh config, like ssh -p)', positiveInt('--port'))
    .addOption(new Option('-i, --identity <file>', 'identity file, tried before the config\'s (repeatable)').argParser((v: string, prev: string[] = []) => [...prev, v]))
    .option('-F, --ssh-config <file>', 'ssh config file (default ~/.ssh/config, then /etc/ssh/ssh_config)')
    .option('--known-hosts <file>', 'known_hosts file (wins over UserKnownHostsFile, like ssh -o)')
    .option('--accept-new-host-keys', 'trust and record keys of hosts not yet in known_hosts')
    .option('-g, --gateway <host>', 'jump host for every connection (user@host:port)')
    .option('-t, --connect-timeout <seconds>', 'give up connecting after this long', seconds('--connect-timeout'))
    .option('-T, --command-timeout <seconds>', 'kill a remote command after this long', seconds('--command-timeout'))
    .argument('[tasks...]')
    .helpOption('-h, --help', 'show this help')
    .addHelpText('after', commandsHelp())
    .exitOverride()
    .configureOutput({ writeOut: write.out, writeErr: () => {} })
    .allowExcessArguments(true);
}

/**
 * Runs commander on a command line: true when it printed its help (or the version)
 * and there is nothing left to do. Its errors become usage errors (exit 2).
 */
export function parseOrDone(program: Command, argv: string[], help: string): boolean {
  try {
    program.parse(argv, { from: 'user' });
    return false;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return true;
      throw new UsageError(e.message.replace(/^error: /, ''), { code: 'usage.option', hint: `see \`${help}\`` });
    }
    throw e;
  }
}

/** The connection flags, as the main command line and `dpl ssh` both spell them. */
export function sshFlagsOf(o: Record<string, any>): CliFlags['ssh'] {
  return {
    user: o.user,
    port: o.port,
    identityFiles: o.identity,
    configFile: o.sshConfig,
    knownHostsFile: o.knownHosts,
    acceptNewHostKeys: !!o.acceptNewHostKeys,
    jump: o.gateway,
    connectTimeoutMs: o.connectTimeout,
    ...(o.maxConnections !== undefined ? { maxConnections: o.maxConnections as number } : {}),
  };
}

export function parseCli(argv: string[], version: string, write: { out: (s: string) => void }): ParsedCli | 'exit' {
  const dash = argv.indexOf('--');
  const head = dash >= 0 ? argv.slice(0, dash) : argv;
  const adhoc = dash >= 0 ? argv.slice(dash + 1).join(' ') : undefined;
  if (adhoc !== undefined && !adhoc.trim()) throw new UsageError('nothing after "--": give a command to run, e.g. `dpl -H web-0 -- uptime`', { code: 'usage.option' });
  const program = buildProgram(version, write);
  if (parseOrDone(program, head, 'dpl --help')) return 'exit';
  const o = program.opts();
  return {
    tokens: program.args,
    adhoc,
    deployfile: o.deployfile,
    list: !!o.list,
    describe: o.describe,
    hosts: parseList(o.hosts),
    roles: parseList(o.roles),
    exclude: parseList(o.excludeHosts),
    flags: {
      parallel: !!o.parallel,
      poolSize: o.poolSize,
      warnOnly: !!o.warnOnly,
      skipBadHosts: !!o.skipBadHosts,
      dryRun: !!o.dryRun,
      json: !!o.json,
      quiet: !!o.quiet,
      verbose: !!o.verbose,
      yes: !!o.yes,
      noRollback: o.rollback === false,
      ...(o.force ? { force: true } : {}),
      ...(o.lockWait ? { lockWaitMs: o.lockWait as number } : {}),
      ...(o.environment ? { environment: o.environment as string } : {}),
      commandTimeoutMs: o.commandTimeout,
      ssh: { ...sshFlagsOf(o), commandTimeoutMs: o.commandTimeout },
    },
  };
}
