// The local end of an interactive session (`dpl ssh`, `-- cmd` from a terminal):
// what `ssh` does with your terminal. On a pty: raw stdin (every key, Ctrl-C too,
// goes to the host), the local TERM and window size, a resize on SIGWINCH, and the
// terminal restored afterwards. Without one: stdin piped to the command until EOF.
// SIGINT/SIGTERM that reach dpl itself are passed on to the command.
import { spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import { UsageError } from '../core/errors.js';
import type { Host } from '../core/host.js';
import type { InteractiveControl, InteractiveResult, Transport } from '../transport/types.js';

/** The process's own streams: present only for the binary (tests that call main() have none). */
export interface Stdio {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/** What ssh checks before it opens a shell on a pty: a terminal on stdin. */
export function typingAtTerminal(stdio: Stdio | undefined): stdio is Stdio {
  return !!stdio?.stdin.isTTY;
}

/**
 * When a command gets a pty: a terminal on stdin and on stdout. Output sent to a file
 * or a pipe stays plain bytes (a pty would turn \n into \r\n: `dpl ssh db -- pg_dump > x`).
 */
export function atTerminal(stdio: Stdio | undefined): stdio is Stdio {
  return typingAtTerminal(stdio) && !!stdio.stdout.isTTY;
}

export interface AttachOptions {
  /** A pty for the command (raw local terminal); else plain pipes. */
  pty: boolean;
  timeoutMs?: number;
  /** The session is open on the host: from now on signals go to it. */
  onStart?: () => void;
}

/** Run `command` (the login shell when undefined) on `host` attached to this process's terminal or pipes. */
export async function runAttached(transport: Transport, host: Host, command: string | undefined, stdio: Stdio, o: AttachOptions): Promise<InteractiveResult> {
  if (!transport.interactive) {
    throw new UsageError(`${host.name} is reached through the ${transport.kind} transport, which has no interactive sessions`);
  }
  const { stdin } = stdio;
  const raw = o.pty && stdin.isTTY;
  let control: InteractiveControl | undefined;
  const onWinch = (): void => {
    const s = windowSize(stdio);
    control?.resize(s.rows, s.cols);
  };
  const forward = (name: string) => (): void => control?.signal(name);
  const onInt = forward('INT');
  const onTerm = forward('TERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  if (o.pty) process.on('SIGWINCH', onWinch);
  if (raw) {
    stdin.setRawMode(true);
    rawOutput(stdin);
  }
  try {
    return await transport.interactive(command, {
      pty: o.pty ? { term: process.env['TERM'] || 'dumb', ...windowSize(stdio) } : undefined,
      stdin,
      stdout: stdio.stdout,
      stderr: stdio.stderr,
      timeoutMs: o.timeoutMs,
      onStart: (c) => {
        control = c;
        o.onStart?.();
      },
    });
  } finally {
    if (raw) stdin.setRawMode(false);
    // Stop reading: keys typed now belong to whatever comes next (another host, the shell).
    stdin.pause();
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    process.off('SIGWINCH', onWinch);
  }
}

/**
 * Node's raw mode leaves output processing on (ONLCR), so the \r\n a host's pty sends
 * would reach the screen and any log of it as \r\r\n; ssh turns it off (cfmakeraw).
 * Node has no call for that, so stty does it; setRawMode(false) restores the settings
 * libuv saved before raw mode, this one included. Without stty only the extra \r remains.
 */
function rawOutput(stdin: NodeJS.ReadStream): void {
  spawnSync('stty', ['-opost'], { stdio: [stdin, 'ignore', 'ignore'] });
}

/** The local window, from whichever output is a terminal; 80x24 when none is. */
export function windowSize(stdio: Stdio): { rows: number; cols: number } {
  for (const s of [stdio.stdout, stdio.stderr]) {
    if (!s.isTTY) continue;
    const [cols, rows] = s.getWindowSize();
    if (rows > 0 && cols > 0) return { rows, cols };
  }
  return { rows: 24, cols: 80 };
}

/** The status a shell reports: the exit code, or 128 + the signal's number. */
export function exitStatus(r: Pick<InteractiveResult, 'code' | 'signal'>): number {
  if (r.code !== null) return r.code;
  const n = r.signal ? constants.signals[r.signal as keyof typeof constants.signals] : undefined;
  return n === undefined ? 255 : 128 + n;
}
