// One error hierarchy for all of dpl. The CLI boundary (src/cli/boundary.ts) maps
// each class to an exit code and prints the error as people read it (`[host] message`,
// src/reporters/error-text.ts) and its hint, without a stack trace. Every error carries a
// stable `code` (src/core/error-codes.ts), and a HostError its `host`.

import type { ErrorCode } from './error-codes.js';

export type { ErrorCode } from './error-codes.js';

export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  interrupted: 130,
} as const;

/** What every dpl error can be given besides its message. */
export interface ErrorOptions {
  /** A stable code from src/core/error-codes.ts; each class has a default. */
  code?: ErrorCode;
  hint?: string;
  cause?: unknown;
}

export class DplError extends Error {
  exitCode: number = ExitCode.failure;
  /** What went wrong, as a stable string a CI job can match (src/core/error-codes.ts). */
  readonly code: ErrorCode;
  /** A line that tells the user what to do next. */
  hint?: string;
  declare readonly cause?: unknown;
  constructor(message: string, options: ErrorOptions & { code: ErrorCode }) {
    // `?.`: a plain-JS deployfile may still call `new DplError(message)`; it gets `unknown`, not a crash.
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options?.code ?? 'unknown';
    this.hint = options?.hint;
  }
}

/** Bad command line, bad deployfile, unknown task: exit 2. */
export class UsageError extends DplError {
  override exitCode: number = ExitCode.usage;
  constructor(message: string, options?: ErrorOptions) {
    super(message, { ...options, code: options?.code ?? 'usage' });
  }
}

/** The deployfile is missing, does not compile, or throws while loading. */
export class DeployfileError extends UsageError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, { ...options, code: options?.code ?? 'deployfile.invalid' });
  }
}

/**
 * Host-scoped failure. `message` does not name the host: `host` does, and the reporters
 * and the CLI boundary render `[host] message` (src/reporters/error-text.ts).
 */
export class HostError extends DplError {
  constructor(
    readonly host: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, { ...options, code: options?.code ?? 'host.failed' });
  }
}

/** Could not reach or log in to a host. `--skip-bad-hosts` skips these. */
export class ConnectionError extends HostError {
  constructor(host: string, message: string, options?: ErrorOptions) {
    super(host, message, { ...options, code: options?.code ?? 'connect.failed' });
  }
}

/** Host key unknown or changed: never skipped, always loud. */
export class HostKeyError extends ConnectionError {
  constructor(host: string, message: string, options?: ErrorOptions) {
    super(host, message, { ...options, code: options?.code ?? 'hostkey.invalid' });
  }
}

/** A command ended with a non-zero exit or a signal. */
export class CommandError extends HostError {
  constructor(
    host: string,
    readonly command: string,
    /** The command's exit status (null when a signal ended it). */
    readonly status: number | null,
    readonly signal: string | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(host, describeFailure(command, status, signal, stdout, stderr), { code: 'command.failed' });
  }
}

/** A command outlived its timeout and was killed on the host. */
export class CommandTimeoutError extends HostError {
  constructor(host: string, message: string, options?: ErrorOptions) {
    super(host, message, { ...options, code: options?.code ?? 'command.timeout' });
  }
}

/** Run was interrupted (Ctrl-C). */
export class InterruptedError extends DplError {
  override exitCode: number = ExitCode.interrupted;
  constructor(message: string, options?: ErrorOptions) {
    super(message, { ...options, code: options?.code ?? 'interrupted' });
  }
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
            // An error from another host than the one that failed (a task on A that ran on B) names it.
            const other = f.error instanceof HostError && f.error.host !== f.host ? `[${f.error.host}] ` : '';
            return `  - ${f.host}: ${other}${indent(f.error.message)}` + (hint ? `\n    hint: ${hint}` : '');
          })
          .join('\n'),
      { code: 'hosts.failed', hint: hints.length === 1 ? hints[0] : undefined },
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

/** The stable code of anything thrown: a DplError's own, `unknown` for the rest. */
export function errorCode(e: unknown): ErrorCode {
  return e instanceof DplError ? e.code : 'unknown';
}
