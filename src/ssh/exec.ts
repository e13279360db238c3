// Run one command as a channel on a pooled connection: streams, stdin, the sudo
// password exchange, timeouts that kill the command on the host, Ctrl-C.
import { quote } from '../core/quote.js';
import { commandEndError } from './exec-end.js';
import type { ClientChannel } from 'ssh2';
import type { ExecOptions, ExecResult } from '../transport/types.js';
import { SudoStream, type SudoStdin } from '../transport/sudo-protocol.js';
import type { SshConnection } from './connection.js';
import { PidMarkerFilter, chain, type Filter } from './filters.js';
import { killOnHost, withPidMarker } from './kill.js';
import { StepShell } from './step-shell.js';
import type { SignalHub } from './signals.js';

/** Retries (10, 20, ... ms apart: ~4 s in all) when the server refuses a channel for lack of sessions. */
const SESSION_RETRIES = 25;

/** The channel never opened: safe to retry on a fresh connection. */
export class ChannelOpenError extends Error {
  constructor(
    readonly reason: Error,
    readonly connectionDead: boolean,
  ) {
    super(reason.message);
  }
}

export interface ExecParams {
  display: string;
  timeoutMs?: number;
  /** Ctrl-C for the whole run. */
  runSignal?: AbortSignal;
  /** Shares one abort listener per signal between commands. */
  signals: SignalHub;
  /** Internal: kill helpers do not wait for a session slot. */
  unlimited?: boolean;
}

export async function execOn(
  conn: SshConnection,
  command: string,
  opts: ExecOptions,
  params: ExecParams,
): Promise<ExecResult> {
  if (StepShell.suits(opts)) {
    const done = await conn.stepShell.run(command, opts, params, (cmd, o) => execOn(conn, cmd, o, { ...params, unlimited: true }));
    if (done) return done;
  }
  const timeoutMs = opts.timeoutMs ?? params.timeoutMs;
  const wrapped = timeoutMs !== undefined && timeoutMs > 0;
  // dpl's own scripts are POSIX sh, as in the step shell: not the login shell's language (zsh fails a glob that matches nothing).
  const text = opts.ownScript ? `exec /bin/sh -c ${quote(command)}` : command;
  const release = params.unlimited ? () => undefined : await conn.sessions.acquire();
  const started = performance.now();
  let result!: Promise<ExecResult>;
  for (let attempt = 0; ; attempt++) {
    try {
      if (!conn.alive) throw new Error(conn.deadReason ?? 'not connected');
      await conn.exec(wrapped ? withPidMarker(text) : text, !!opts.pty, (ch) => {
        result = watch(conn, ch, command, opts, params, { wrapped, timeoutMs, started, release });
      });
      return result;
    } catch (err) {
      // sshd frees a closed session a moment after its close: a new channel opened
      // right then can hit MaxSessions ("open failed"). Nothing ran; try again shortly.
      if (conn.alive && /open failed/i.test((err as Error).message) && attempt < SESSION_RETRIES) {
        // A server with few sessions (MaxSessions) needs the idle step shell's.
        conn.stepShell.retire();
        await new Promise((r) => setTimeout(r, 10 * (attempt + 1)));
        continue;
      }
      release();
      throw new ChannelOpenError(err as Error, !conn.alive || /Not connected|No response from server/i.test((err as Error).message));
    }
  }
}

interface WatchState {
  wrapped: boolean;
  timeoutMs: number | undefined;
  started: number;
  release: () => void;
}

/** Everything after the channel opened; attached synchronously (see SshConnection.exec). */
function watch(
  conn: SshConnection,
  ch: ClientChannel,
  command: string,
  opts: ExecOptions,
  params: ExecParams,
  { wrapped, timeoutMs, started, release }: WatchState,
): Promise<ExecResult> {
  return new Promise<ExecResult>((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let code: number | null = null;
    let signal: string | null = null;
    let gotExit = false;
    let pgid: number | undefined;
    let outcome: 'timeout' | 'abort' | undefined;
    let finished = false;

    const outFilters: Filter[] = [];
    const errFilters: Filter[] = [];
    if (wrapped) (opts.pty ? outFilters : errFilters).push(new PidMarkerFilter((pid) => (pgid = pid)));
    const stdin: SudoStdin & { open: boolean } = {
      open: true,
      write(data: string): void {
        if (stdin.open) ch.write(data);
      },
      end(data?: string | Buffer): void {
        if (!stdin.open) return;
        stdin.open = false;
        ch.end(data);
      },
    };
    const helper = { display: params.display, signals: params.signals, unlimited: true };
    // sudo prompts where the command's stderr goes: stderr, or the pty's one stream.
    if (opts.sudo) (opts.pty ? outFilters : errFilters).push(new SudoStream(opts.sudo, stdin, opts.stdin));
    const outChain = chain(outFilters);
    const errChain = chain(errFilters);
    const emitOut = (b: Buffer): void => {
      if (!b.length) return;
      out.push(b);
      opts.onStdout?.(b);
    };
    const emitErr = (b: Buffer): void => {
      if (!b.length) return;
      err.push(b);
      opts.onStderr?.(b);
    };
    ch.on('data', (chunk: Buffer) => emitOut(outChain.push(chunk)));
    ch.stderr.on('data', (chunk: Buffer) => emitErr(errChain.push(chunk)));
    ch.on('exit', (c: number | null, s?: string) => {
      gotExit = true;
      if (typeof c === 'number') code = c;
      else signal = s ? (s.startsWith('SIG') ? s : `SIG${s}`) : null;
    });
    // Without sudo stdin gets its data (or nothing) and EOF now, so readers never hang;
    // under sudo that happens when the command starts (SudoStream).
    if (opts.stdinStream && !opts.sudo) {
      stdin.open = false;
      opts.stdinStream.on('error', () => ch.end());
      opts.stdinStream.pipe(ch);
    } else if (!opts.sudo) stdin.end(opts.stdin);

    const interrupt = async (why: 'timeout' | 'abort'): Promise<void> => {
      if (outcome || finished) return;
      outcome = why;
      await killOnHost(ch, pgid, opts.sudo, why === 'timeout' ? 'KILL' : 'TERM', (cmd, o) => execOn(conn, cmd, o, helper));
      ch.close();
      setTimeout(finish, 1000).unref();
    };
    const entry = { interrupt: () => interrupt('abort') };
    conn.running.add(entry);
    const timer = wrapped ? setTimeout(() => void interrupt('timeout'), timeoutMs) : undefined;
    const onAbort = (): void => void interrupt('abort');
    // The run-wide signal is handled once by the pool (closeAll interrupts `conn.running`).
    if (params.runSignal?.aborted) queueMicrotask(onAbort);
    const unsubscribe = opts.signal && opts.signal !== params.runSignal ? params.signals.subscribe(opts.signal, onAbort) : undefined;

    function finish(): void {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      unsubscribe?.();
      conn.running.delete(entry);
      release();
      emitOut(outChain.flush());
      emitErr(errChain.flush());
      const durationMs = Math.round(performance.now() - started);
      if (outcome || !gotExit) {
        reject(commandEndError(conn, params.display, command, outcome ?? 'lost', timeoutMs));
      } else {
        resolve({
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          code,
          signal,
          durationMs,
        });
      }
    }
    // Give a dropped connection's close event a tick to land before judging.
    ch.on('close', () => setImmediate(finish));
  });
}
