// Subcommands that work without a deployfile: `dpl init`, `dpl completion bash|zsh`, `dpl sandbox ...`.
import { UsageError } from '../../core/errors.js';
import type { Io } from '../app.js';

export async function runCommand(name: string, args: string[], io: Io): Promise<number> {
  void args;
  void io;
  throw new UsageError(`"dpl ${name}" is not available yet`);
}
