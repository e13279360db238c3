// An interactive session on a pooled connection (`dpl ssh`, `-- cmd` from a
// terminal): the login shell or one command, on a pty or plain pipes, its streams
// copied to and from local ones as bytes. No filters, no pid marker: the person
// typing sees exactly what the host sends. A timeout or dpl closing the pool
// signals the session's process group (sshd's killpg) and closes the channel,
// which also hangs up a pty.
import type { ClientChannel } from 'ssh2';
import { CommandTimeoutError, ConnectionError, InterruptedError } from '../core/errors.js';
import type { InteractiveOptions, InteractiveResult } from '../transport/types.js';
import type { SshConnection } from './connection.js';
import { ChannelOpenError } from './exec.js';
import { sendSignal } from './kill.js';

export async function interactiveOn(
  conn: SshConnection,
  command: string | undefined,
  opts: InteractiveOptions,
  display: string,
): Promise<InteractiveResult> {
  const release = await conn.sessions.acquire();
  const started = performance.now();
  const pty = opts.pty ? { term: opts.pty.term, rows: opts.pty.rows, cols: opts.pty.cols, width: 0, height: 0 } : undefined;
  let result!: Promise<InteractiveResult>;
  try {
    if (!conn.alive) throw new Error(conn.deadReason ?? 'not connected');
    await conn.session(command, pty, (ch) => {
      result = attach(conn, ch, command, opts, display, started, release);
    });
  } catch (err) {
    release();
    throw new ChannelOpenError(err as Error, !conn.alive || /Not connected|No response from server/i.test((err as Error).message));
  }
  return result;
}

function attach(
  conn: SshConnection,
  ch: ClientChannel,
  command: string | undefined,
  opts: InteractiveOptions,
  display: string,
  started: number,
  release: () => void,
): Promise<InteractiveResult> {
  const what = command === undefined ? 'the shell' : `\`${command}\``;
  return new Promise((resolve, reject) => {
    let code: number | null = null;
    let signal: string | null = null;
    let gotExit = false;
    let outcome: 'timeout' | 'abort' | undefined;
    let finished = false;

    ch.on('data', (b: Buffer) => opts.stdout.write(b));
    ch.stderr.on('data', (b: Buffer) => opts.stderr.write(b));
    ch.on('exit', (c: number | null, s?: string) => {
      gotExit = true;
      if (typeof c === 'number') code = c;
      else signal = s ? (s.startsWith('SIG') ? s : `SIG${s}`) : null;
    });
    // Our stdin's end is the command's EOF; a write after the channel closed is dropped.
    ch.on('error', () => undefined);
    if (opts.stdin) opts.stdin.pipe(ch);
    else ch.end();

    const stop = (why: 'timeout' | 'abort', sig: string): Promise<void> => {
      if (!outcome && !finished) {
        outcome = why;
        sendSignal(ch, sig);
        ch.close();
        setTimeout(finish, 1000).unref();
      }
      return Promise.resolve();
    };
    const entry = { interrupt: () => stop('abort', 'TERM') };
    conn.running.add(entry);
    const timer = opts.timeoutMs && opts.timeoutMs > 0 ? setTimeout(() => void stop('timeout', 'KILL'), opts.timeoutMs) : undefined;
    opts.onStart?.({
      resize: (rows, cols) => {
        if (opts.pty) ch.setWindow(rows, cols, 0, 0);
      },
      signal: (name) => sendSignal(ch, name),
    });

    function finish(): void {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      conn.running.delete(entry);
      opts.stdin?.unpipe(ch);
      release();
      const durationMs = Math.round(performance.now() - started);
      if (outcome === 'timeout') {
        reject(
          new CommandTimeoutError(display, `command timed out after ${opts.timeoutMs} ms and was killed on the host: ${command}`, {
            hint: 'raise the limit with the timeout option (or --command-timeout) if the command needs longer',
          }),
        );
      } else if (outcome === 'abort') {
        reject(new InterruptedError(`interrupted while running ${what} on ${display}`));
      } else if (!gotExit) {
        reject(
          conn.alive
            ? new ConnectionError(display, `the server ended ${what} without an exit status`, { code: 'connect.lost' })
            : new ConnectionError(display, `connection lost while running ${what}: ${conn.deadReason}`, { code: 'connect.lost' }),
        );
      } else {
        resolve({ code, signal, durationMs });
      }
    }
    // Give a dropped connection's close event a tick to land before judging.
    ch.on('close', () => setImmediate(finish));
  });
}
