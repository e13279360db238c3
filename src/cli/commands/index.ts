// Subcommands that work without a deployfile: `dpl init`, `dpl completion bash|zsh`, `dpl sandbox ...`,
// `dpl ssh-config HOST`, `dpl ssh HOST`.
// Each loads only when asked for.
import { UsageError } from '../../core/errors.js';
import type { Io } from '../app.js';
import type { Secrets } from '../../core/secrets.js';

export async function runCommand(name: string, args: string[], io: Io, secrets?: Secrets): Promise<number> {
  switch (name) {
    case 'init': {
      const { runInit } = await import('./init.js');
      return runInit(args, io);
    }
    case 'completion': {
      const { runCompletion } = await import('./completion.js');
      return runCompletion(args, io);
    }
    case 'sandbox': {
      const { runSandbox } = await import('./sandbox.js');
      return runSandbox(args, io);
    }
    case 'ssh-config': {
      const { runSshConfig } = await import('./ssh-config.js');
      return runSshConfig(args, io);
    }
    case 'ssh': {
      const { runSsh } = await import('./ssh.js');
      return runSsh(args, io, secrets);
    }
    default:
      throw new UsageError(`unknown subcommand "dpl ${name}"`, { hint: 'subcommands: init, completion, sandbox, ssh-config, ssh' });
  }
}
