// `dpl ssh HOST [-- command ...]`: a shell (or one command) on a host, reached the
// way a dpl run reaches it — the deployfile's inventory and defaults, the ssh config,
// known_hosts, jump hosts, keys — through the same pool, not the `ssh` binary.
// A shell needs a terminal on stdin (else exit 2); a command gets a pty when stdin
// and stdout are terminals, else plain pipes with stdin copied to it until EOF (as
// `ssh host cmd`). Exit status: the remote's (128+N for signal N);
// 255 when dpl could not reach the host or start the session; 2 for usage errors.
import { Command, InvalidArgumentError } from 'commander';
import { EventBus } from '../../core/events.js';
import { HostError, UsageError } from '../../core/errors.js';
import { Secrets } from '../../core/secrets.js';
import { composeCommand, scopeOf } from '../../core/context-scope.js';
import type { CliFlags } from '../../core/context-types.js';
import { deployfile } from '../../core/deployfile.js';
import type { Host } from '../../core/host.js';
import { RunImpl } from '../../core/run.js';
import type { Io } from '../io.js';
import { reportError } from '../boundary.js';
import { parseOrDone, positiveInt, sshFlagsOf } from '../options.js';
import { PrettyReporter } from '../../reporters/pretty.js';
import { atTerminal, exitStatus, runAttached, typingAtTerminal } from '../terminal.js';
import { TerminalPrompter } from '../prompter.js';

/** ssh's status for "could not connect": scripts tell it from the command's own 1. */
const CANNOT_CONNECT = 255;

function parse(args: string[], io: Io) {
  const dash = args.indexOf('--');
  const head = dash >= 0 ? args.slice(0, dash) : args;
  const command = dash >= 0 ? args.slice(dash + 1).join(' ') : undefined;
  const program = new Command('dpl ssh')
    .usage('[options] HOST [-- command ...]')
    .description(
      'Open a shell on HOST (an inventory name or [user@]host[:port]) with the connection settings of a dpl run,\n' +
        'or run one command there with `-- command`. A pty when stdin is a terminal, as ssh does.',
    )
    .argument('<host>', 'an inventory host, a one-host role, [user@]host[:port] or an ssh config alias')
    .option('-f, --deployfile <path>', 'deployfile whose inventory and defaults apply (default: the one here, if any)')
    .option('-E, --environment <name>', "look HOST up among this environment's roles first, as `dpl -E NAME` does")
    .option('-F, --ssh-config <file>', 'ssh config file (default ~/.ssh/config, then /etc/ssh/ssh_config)')
    .option('-u, --user <user>', 'login user (like ssh -l)')
    .option('-p, --port <port>', 'port (like ssh -p)', positiveInt('--port'))
    .option('-i, --identity <file>', 'identity file (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--known-hosts <file>', 'known_hosts file (like ssh -o UserKnownHostsFile=…)')
    .option('--accept-new-host-keys', 'trust and record the key of a host not yet in known_hosts')
    .option('-g, --gateway <host>', 'jump host (user@host:port)')
    .option('-t, --connect-timeout <seconds>', 'give up connecting after this long', (v: string) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('--connect-timeout must be a number of seconds above 0');
      return Math.round(n * 1000);
    })
    .option('-v, --verbose', 'connection details (debug events) on stderr')
    .helpOption('-h, --help', 'show this help')
    // Words after HOST are the user's, not ours: `dpl ssh web-0 ls -la` is a missing `--`.
    .passThroughOptions()
    .allowExcessArguments(true)
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: () => {} });
  if (parseOrDone(program, head, 'dpl ssh --help')) return null;
  const [host, ...extra] = program.args as [string, ...string[]];
  if (extra.length) {
    throw new UsageError(`unexpected ${JSON.stringify(extra.join(' '))} after the host`, {
      hint: `a command goes after --: dpl ssh ${host} -- ${extra.join(' ')}`,
    });
  }
  if (command !== undefined && !command.trim()) throw new UsageError('nothing after "--": give a command, or leave out -- for a shell');
  return { host, command, o: program.opts() };
}

export async function runSsh(args: string[], io: Io, secrets: Secrets = new Secrets()): Promise<number> {
  const parsed = parse(args, io);
  if (!parsed) return 0;
  const { host: name, command, o } = parsed;
  const stdio = io.stdio;
  if (!stdio) throw new UsageError('dpl ssh needs the process\'s own terminal or pipes (run the dpl binary)');
  // A shell needs a terminal to type at; a command gets a pty only when its output goes to one too.
  const pty = command === undefined ? typingAtTerminal(stdio) : atTerminal(stdio);
  // Checked before connecting: nothing is touched for a session that cannot run.
  if (command === undefined && !pty) {
    throw new UsageError('stdin is not a terminal: no interactive shell without one', {
      hint: `to run one command with stdin piped: dpl ssh ${name} -- COMMAND`,
    });
  }
  const { tryFindDeployfile, findDeployfile } = await import('../../loader/find.js');
  const file = o.deployfile ? findDeployfile(io.cwd, o.deployfile) : tryFindDeployfile(io.cwd);
  const definition = file ? await (await import('../../loader/load.js')).loadDeployfile(file) : deployfile({ tasks: {} });
  const events = new EventBus(secrets);
  // Warnings (and -v's debug) on stderr: stdout is the host's.
  const verbose = !!o.verbose;
  const color = !!stdio.stderr.isTTY && !process.env['NO_COLOR'] && process.env['TERM'] !== 'dumb';
  events.on(new PrettyReporter({ write: io.err, color, quiet: !verbose, verbose, dryRun: false }).handle);
  const run = new RunImpl({ flags: flags(o), definition, root: io.cwd, events, prompter: new TerminalPrompter(events, secrets) });
  if (o.environment) run.useEnvironment(o.environment);

  // Once the session is open, a first Ctrl-C or TERM reaching dpl goes to the command
  // (terminal.ts) and a second ends dpl; before that (connecting, a host key question) the first does, as with ssh.
  let signals = 0;
  let attached = false;
  const onSignal = (): void => {
    if (attached && ++signals < 2) return;
    io.err(attached ? 'dpl: killed\n' : 'dpl: interrupted\n');
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const host = await pickHost(run, name);
    const transport = await run.transport(host);
    // A command is composed as a run composes `-- cmd`: wrapped in the host's shell when it has one.
    const remote = command === undefined ? undefined : composeCommand(scopeOf([], false), command, host.shell ?? definition.defaults?.shell);
    const result = await runAttached(transport, host, remote, stdio, { pty, onStart: () => (attached = true) });
    return exitStatus(result);
  } catch (e) {
    if (!(e instanceof HostError)) throw e;
    reportError(e, { verbose, writeErr: io.err, secrets });
    return CANNOT_CONNECT;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await run.close({ processExits: io.processExits }).catch(() => undefined);
  }
}

/**
 * HOST as `-H` reads it (an inventory name, else [user@]host[:port] or an ssh config
 * alias), or a role of the deployfile when no host has that name: a one-host role is
 * that host; a larger one is a usage error that names its hosts (a shell is one host).
 */
async function pickHost(run: RunImpl, name: string): Promise<Host> {
  if (!run.knownHost(name) && run.roleNames().includes(name)) {
    const hosts = await run.resolveHosts({ roles: [name] });
    if (hosts.length === 1) return hosts[0]!;
    const names = hosts.map((h) => h.name);
    throw new UsageError(`role "${name}" has ${names.length} hosts; a shell opens on one: ${names.join(', ') || '(none)'}`, {
      code: 'usage.hosts',
      hint: names.length ? `dpl ssh ${names[0]}` : undefined,
    });
  }
  const [host] = await run.resolveHosts({ hosts: [name] });
  if (!host) throw new UsageError(`no host ${JSON.stringify(name)}`, { code: 'usage.hosts' });
  return host;
}

function flags(o: Record<string, any>): CliFlags {
  return {
    parallel: false,
    warnOnly: false,
    skipBadHosts: false,
    dryRun: false,
    json: false,
    quiet: !o.verbose,
    verbose: !!o.verbose,
    yes: false,
    ssh: sshFlagsOf(o),
  };
}
