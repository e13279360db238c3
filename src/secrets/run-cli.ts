// Running a vault's CLI on this machine for one secret: an argv array (no shell),
// stdin closed (a CLI that wants to prompt fails instead of hanging), and errors
// that name the adapter and the secret's NAME, never its value.
import { execFile } from 'node:child_process';
import { DplError, type ErrorOptions } from '../core/errors.js';

/** A CLI that has not answered by then is stuck (waiting for a sign-in, a pinentry). */
const TIMEOUT_MS = 60_000;
/** Lines of the CLI's stderr quoted in an error. */
const TAIL_LINES = 5;

export interface CliCall {
  /** The secret's name in `secrets: {...}`. */
  name: string;
  /** `pass`, `1password`, `command`...: shown in errors. */
  adapter: string;
  argv: readonly string[];
  cwd: string;
  /** Masks whatever might be secret in the CLI's stderr before it is shown. */
  scrub: (text: string) => string;
}

export class SecretError extends DplError {
  constructor(message: string, options?: Omit<ErrorOptions, 'code'>) {
    super(message, { ...options, code: 'secret.failed' });
  }
}

/** stdout of the CLI, or a SecretError saying which secret, which CLI and why. */
export function runCli(call: CliCall): Promise<string> {
  const [file, ...args] = call.argv;
  const what = `secret ${call.name} (${call.adapter})`;
  return new Promise((resolve, reject) => {
    const child = execFile(file!, args, { cwd: call.cwd, timeout: TIMEOUT_MS, maxBuffer: 4 << 20, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const e = error as NodeJS.ErrnoException & { code?: unknown; killed?: boolean; signal?: string | null };
      if (e.code === 'ENOENT') {
        return reject(new SecretError(`${what}: ${file} is not installed or not on PATH`, { hint: `install ${file} on this machine (secrets are read here, not on the hosts)` }));
      }
      const how = e.killed && e.signal ? `timed out after ${TIMEOUT_MS / 1000} s` : typeof e.code === 'number' ? `exited with ${e.code}` : `failed (${e.signal ?? e.message})`;
      const tail = call.scrub(String(stderr)).trim().split('\n').slice(-TAIL_LINES).join('\n');
      reject(new SecretError(`${what}: \`${call.argv.join(' ')}\` ${how}${tail ? `: ${tail}` : ''}`, { hint: `check that \`${file}\` works here (signed in, the entry exists) and try again` }));
    });
    child.stdin?.end();
  });
}
