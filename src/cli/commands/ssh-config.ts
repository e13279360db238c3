// `dpl ssh-config HOST`: what dpl resolved for a host, in `ssh -G`'s format, so it
// can be compared with OpenSSH line by line. HOST is an inventory name of the
// deployfile (when there is one) or `[user@]host[:port]`. Touches no host.
import { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { Inventory } from '../../core/inventory.js';
import type { Io } from '../io.js';
import { parseOrDone, positiveInt } from '../options.js';

function parse(args: string[], io: Io) {
  const program = new Command('dpl ssh-config')
    .usage('[options] HOST')
    .description('Print the ssh settings dpl resolves for HOST, in the format of `ssh -G`.')
    .argument('<host>')
    .option('-f, --deployfile <path>', 'deployfile whose inventory names HOST')
    .option('-F, --ssh-config <file>', 'ssh config file (default ~/.ssh/config, then /etc/ssh/ssh_config)')
    .option('-u, --user <user>', 'login user (like ssh -l)')
    .option('-p, --port <port>', 'port (like ssh -p)', positiveInt('--port'))
    .option('-i, --identity <file>', 'identity file (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--known-hosts <file>', 'known_hosts file (like ssh -o UserKnownHostsFile=…)')
    .helpOption('-h, --help', 'show this help')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: () => {} });
  if (parseOrDone(program, args, 'dpl ssh-config --help')) return null;
  return { host: program.args[0]!, o: program.opts() };
}

export async function runSshConfig(args: string[], io: Io): Promise<number> {
  const parsed = parse(args, io);
  if (!parsed) return 0;
  const { host: name, o } = parsed;
  const { tryFindDeployfile, findDeployfile } = await import('../../loader/find.js');
  const file = o.deployfile ? findDeployfile(io.cwd, o.deployfile) : tryFindDeployfile(io.cwd);
  const definition = file ? await (await import('../../loader/load.js')).loadDeployfile(file) : undefined;
  const d = definition?.defaults ?? {};
  const host = new Inventory(definition ?? {}).toHost(name);
  for (const [flag, given, value] of [['-u', host.user, o.user], ['-p', host.port, o.port]] as const) {
    if (given !== undefined && value !== undefined) {
      throw new UsageError(`${name} names its own ${flag === '-u' ? 'user' : 'port'}, and ${flag} gives another`, {
        hint: `a dpl run uses the host's own (as Fabric does), where ssh would let ${flag === '-u' ? '-l' : '-p'} win: give it once`,
      });
    }
  }
  const [{ loadSshConfig }, { resolveDestination }, { dumpConfig }, { algorithmsFor, loadCatalog }] = await Promise.all([
    import('../../ssh/config.js'),
    import('../../ssh/config/resolve.js'),
    import('../../ssh/config/dump.js'),
    import('../../ssh/algorithms.js'),
  ]);
  const files = await loadSshConfig(o.sshConfig ?? d.sshConfig);
  const r = await resolveDestination(
    files,
    { alias: host.hostname, user: host.user, port: host.port },
    { user: o.user, port: o.port, identityFiles: o.identity, knownHostsFile: o.knownHosts ?? d.knownHosts, defaultUser: d.user, defaultPort: d.port },
  );
  for (const f of r.missingIdentityFiles) io.err(`dpl: warning: identity file ${f} not accessible: no such file or directory\n`);
  const o2 = r.options;
  const specs = { kex: o2.kexAlgorithms, serverHostKey: o2.hostKeyAlgorithms, cipher: o2.ciphers, hmac: o2.macs };
  const lists = algorithmsFor(Object.fromEntries(Object.entries(specs).filter(([, v]) => v !== undefined)), { types: [], certAuthority: false }, await loadCatalog()).algorithms;
  io.out(dumpConfig(r, lists as never).join('\n') + '\n');
  return 0;
}
