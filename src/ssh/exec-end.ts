// How a remote command that did not end with an exit status is reported. One text for
// both ways a command runs: its own channel (exec.ts) and the step shell (step-shell.ts).
import { CommandTimeoutError, ConnectionError, InterruptedError, type DplError } from '../core/errors.js';

export type EndOutcome = 'timeout' | 'abort' | 'lost';

/** What the message needs to know of the connection (an SshConnection). */
export interface ConnectionState {
  readonly alive: boolean;
  readonly deadReason: string | undefined;
}

export function commandEndError(conn: ConnectionState, display: string, command: string, outcome: EndOutcome, timeoutMs?: number): DplError {
  if (outcome === 'timeout') {
    return new CommandTimeoutError(display, `command timed out after ${timeoutMs} ms and was killed on the host: ${command}`, {
      hint: 'raise the limit with the timeout option (or --command-timeout) if the command needs longer',
    });
  }
  if (outcome === 'abort') return new InterruptedError(`interrupted while running on ${display}: ${command}`);
  return conn.alive
    ? new ConnectionError(display, `the server ended the command without an exit status: ${command}`, { code: 'connect.lost' })
    : new ConnectionError(display, `connection lost while running \`${command}\`: ${conn.deadReason}`, {
        code: 'connect.lost',
        hint: 'the command may or may not have completed on the host',
      });
}
