// One error hierarchy for all of dpl. The CLI boundary (src/cli/boundary.ts) maps
// each class to an exit code and prints `message` (+ `hint`) without a stack trace.

export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  interrupted: 130,
} as const;

export class DplError extends Error {
  exitCode: number = ExitCode.failure;
  /** A line that tells the user what to do next. */
  hint?: string;
  constructor(message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options?.hint;
  }
}

/** Bad command line, bad deployfile, unknown task: exit 2. */
export class UsageError extends DplError {
  override exitCode: number = ExitCode.usage;
}

/** The deployfile is missing, does not compile, or throws while loading. */
export class DeployfileError extends UsageError {}

/** Host-scoped failure: the host is named in the message. */
export class HostError extends DplError {
  constructor(
    readonly host: string,
    message: string,
    options?: { hint?: string; cause?: unknown },
  ) {
    super(`[${host}] ${message}`, options);
  }
}

/** Could not reach or log in to a host. `--skip-bad-hosts` skips these. */
export class ConnectionError extends HostError {}

/** Host key unknown or changed: never skipped, always loud. */
export class HostKeyError extends ConnectionError {}

/** A command ended with a non-zero exit or a signal. */
export class CommandError extends HostError {
  constructor(
    host: string,
    readonly command: string,
    readonly code: number | null,
    readonly signal: string | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(host, describeFailure(command, code, signal, stdout, stderr));
  }
}

/** A command outlived its timeout and was killed on the host. */
export class CommandTimeoutError extends HostError {}

/** Run was interrupted (Ctrl-C). */
export class InterruptedError extends DplError {
  override exitCode: number = ExitCode.interrupted;
}

export interface HostFailure {
  host: string;
  error: Error;
}

/** Parallel or serial work where one or more hosts failed; lists every failure. */
export class HostsFailedError extends DplError {
  constructor(
    readonly task: string,
    readonly failures: HostFailure[],
    /** Every host's result, for callers of `c.execute` that want the ones that worked. */
    readonly results?: ReadonlyMap<string, unknown>,
  ) {
    const hints = [...new Set(failures.map((f) => (f.error as DplError).hint).filter((h): h is string => !!h))];
    const perHost = hints.length > 1;
    super(
      `${task} failed on ${failures.length} host${failures.length === 1 ? '' : 's'}:\n` +
        failures
          .map((f) => {
            const hint = perHost && (f.error as DplError).hint;
            return `  - ${indent(stripHostPrefix(f.host, f.error.message))}` + (hint ? `\n    hint: ${hint}` : '');
          })
          .join('\n'),
      { hint: hints.length === 1 ? hints[0] : undefined },
    );
    // When every host failed the same way (all usage errors, say), exit as that would.
    const codes = new Set(failures.map((f) => (f.error instanceof DplError ? f.error.exitCode : ExitCode.failure)));
    if (codes.size === 1) this.exitCode = [...codes][0]!;
  }
}

const TAIL_LINES = 10;

export function tail(text: string, lines = TAIL_LINES): string {
  const all = text.replace(/\s+$/, '').split('\n');
  return all.slice(-lines).join('\n');
}

function describeFailure(
  command: string,
  code: number | null,
  signal: string | null,
  stdout: string,
  stderr: string,
): string {
  const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  const out = tail(stderr) || tail(stdout);
  return `command ${how}: ${command}` + (out ? `\n${out.replace(/^/gm, '    ')}` : '');
}

function indent(text: string): string {
  return text.replace(/\n/g, '\n    ');
}

function stripHostPrefix(host: string, message: string): string {
  const prefix = `[${host}] `;
  return `${host}: ${message.startsWith(prefix) ? message.slice(prefix.length) : message}`;
}
