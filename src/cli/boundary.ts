// The single place where errors become messages and exit codes. Everything it
// writes (message, hint, -v stack) is masked with the process's secrets: a
// CommandError carries the command's output tail, which may hold one.
import { DplError, ExitCode } from '../core/errors.js';
import type { Secrets } from '../core/secrets.js';
import { attribute } from '../loader/attribute.js';
import { errorText } from '../reporters/error-text.js';

export interface BoundaryOptions {
  verbose: boolean;
  writeErr: (text: string) => void;
  secrets: Pick<Secrets, 'scrub'>;
}

export function reportError(error: unknown, o: BoundaryOptions): number {
  // An error the deployfile's code threw (its top frame is theirs) is theirs, at their line; not dpl's bug.
  const e = attribute(error);
  const write = (text: string): void => o.writeErr(o.secrets.scrub(text));
  if (e instanceof DplError) {
    write(`dpl: error: ${errorText(e)}\n`);
    if (e.hint) write(`dpl: hint: ${e.hint}\n`);
    if (o.verbose && e.stack) write(`${e.stack}\n`);
    return e.exitCode;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  write(`dpl: internal error: ${err.message}\n`);
  write(o.verbose ? `${err.stack}\n` : 'dpl: hint: run again with -v for the stack trace, and report it\n');
  return ExitCode.failure;
}
