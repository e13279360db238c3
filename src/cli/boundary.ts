// The single place where errors become messages and exit codes.
import { DplError, ExitCode } from '../core/errors.js';

export interface BoundaryOptions {
  verbose: boolean;
  writeErr: (text: string) => void;
}

export function reportError(e: unknown, o: BoundaryOptions): number {
  if (e instanceof DplError) {
    o.writeErr(`dpl: error: ${e.message}\n`);
    if (e.hint) o.writeErr(`dpl: hint: ${e.hint}\n`);
    if (o.verbose && e.stack) o.writeErr(`${e.stack}\n`);
    return e.exitCode;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  o.writeErr(`dpl: internal error: ${err.message}\n`);
  o.writeErr(o.verbose ? `${err.stack}\n` : 'dpl: hint: run again with -v for the stack trace, and report it\n');
  return ExitCode.failure;
}
