// One persistent /bin/sh per connection for dpl's own step scripts (ExecOptions.ownScript:
// the lock, the journal, the switch, the record; src/deploy/remote.ts). Every exec channel
// costs sshd a fork, a session and a login shell: at 50 hosts on 2 cores that was about a
// third of a step's round trip and 60% of dpl's own CPU for it (bench/step-shell.mjs).
// Each script runs in a subshell with stdin from /dev/null: nothing it sets carries over,
// and it cannot read the frames meant for the shell. These scripts read no stdin and leave
// no process behind, so a timeout kills the shell's whole process group (the session sshd
// made for it) and the next script starts a fresh shell. User commands never run here.
import type { ClientChannel } from 'ssh2';
import { quote } from '../core/quote.js';
import { randomHex } from '../core/random.js';
import type { ExecOptions, ExecResult } from '../transport/types.js';
import { commandEndError, type ConnectionState, type EndOutcome } from './exec-end.js';
import { EndMarkFilter, PidMarkerFilter } from './filters.js';
import { killOnHost, type RunHelper } from './kill.js';
import type { Semaphore } from './semaphore.js';
import type { SignalHub } from './signals.js';

/** What the shell needs of its connection (an SshConnection). */
export interface ShellHost extends ConnectionState {
  readonly sessions: Semaphore;
  readonly running: Set<{ interrupt(): Promise<void> }>;
  exec(command: string, pty: boolean, setup: (channel: ClientChannel) => void): Promise<void>;
}

export interface StepParams {
  display: string;
  timeoutMs?: number;
  runSignal?: AbortSignal;
  signals: SignalHub;
}

// The first frame says the shell's pid (its session's process group). Until it shows,
// nothing written after it has run: a shell that never says it ran nothing.
const HELLO = `printf '\\036dpl-pgid:%s\\n' "$$" >&2\n`;

export class StepShell {
  private channel: ClientChannel | undefined;
  private busy = false;
  /** The server would not run it (no /bin/sh, a restricted shell): this connection uses channels. */
  private refused = false;
  private pgid: number | undefined;
  /** The shell has not been sent its first frame (HELLO goes with the first script: one packet). */
  private fresh = false;
  /** The running script: where its channel's output goes, and what to do if the channel closes. */
  private job: { ch: ClientChannel; output(stream: 0 | 1, chunk: Buffer): void; gone(): void } | undefined;
  private opening: Promise<ClientChannel | undefined> | undefined;

  constructor(private readonly conn: ShellHost) {}

  /** Only dpl's own scripts, with nothing to feed them. */
  static suits(o: ExecOptions): boolean {
    return !!o.ownScript && o.stdin === undefined && !o.stdinStream && !o.pty && !o.sudo;
  }

  /** The exit of `command`, or undefined when the shell is busy or cannot run (nothing ran: use a channel). */
  async run(command: string, opts: ExecOptions, params: StepParams, helper: RunHelper): Promise<ExecResult | undefined> {
    if (this.busy || this.refused || !this.conn.alive) return undefined;
    this.busy = true;
    try {
      const ch = this.channel ?? (await this.opened());
      return ch && (await this.exchange(ch, command, opts, params, helper));
    } finally {
      this.busy = false;
    }
  }

  /**
   * Start the shell before the first script needs it: a deploy warms it while it resolves
   * the ref, so the lock's script does not wait for a session, a login shell and sh.
   */
  warm(): void {
    if (!this.channel && !this.refused && this.conn.alive) void this.opened();
  }

  /** The shell being opened, by warm() or the first script: one open at a time. */
  private opened(): Promise<ClientChannel | undefined> {
    this.opening ??= this.open().finally(() => (this.opening = undefined));
    return this.opening;
  }

  /** Give its session back (a server with few sessions needs it for a channel); true when it did. */
  retire(): boolean {
    if (this.busy || !this.channel) return false;
    this.channel.end();
    this.channel = undefined;
    return true;
  }

  private async open(): Promise<ClientChannel | undefined> {
    const release = await this.conn.sessions.acquire();
    this.pgid = undefined;
    let opened: ClientChannel | undefined;
    let closed = false;
    try {
      await this.conn.exec('exec /bin/sh -s', false, (ch) => {
        opened = ch;
        const pid = new PidMarkerFilter((p) => (this.pgid = p));
        const job = () => (this.job?.ch === ch ? this.job : undefined);
        ch.on('data', (b: Buffer) => job()?.output(0, b));
        ch.stderr.on('data', (b: Buffer) => {
          const rest = this.pgid === undefined ? pid.push(b) : b;
          if (rest.length) job()?.output(1, rest);
        });
        ch.on('close', () => {
          closed = true;
          release();
          if (this.channel === ch) this.channel = undefined;
          // A dropped connection's close event gets a tick to land first (as in exec.ts).
          const j = job();
          setImmediate(() => j?.gone());
        });
      });
    } catch {
      release();
      if (this.conn.alive) this.refused = true;
      return undefined;
    }
    // A refusal (a ForceCommand that exits at once) can close the channel in the same read as
    // the exec's reply, before this resumes: then no script was sent, and none may wait on it.
    if (closed) {
      if (this.pgid === undefined && this.conn.alive) this.refused = true;
      return undefined;
    }
    this.channel = opened;
    this.fresh = true;
    return opened;
  }

  private exchange(ch: ClientChannel, command: string, opts: ExecOptions, params: StepParams, helper: RunHelper): Promise<ExecResult | undefined> {
    const timeoutMs = opts.timeoutMs ?? params.timeoutMs;
    const id = randomHex(8);
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let outcome: EndOutcome | undefined;
      let finished = false;
      const outEnd = new EndMarkFilter(`\x1edpl-end:${id}:`);
      const errEnd = new EndMarkFilter(`\x1edpl-end:${id}`);
      const keep = (stream: 0 | 1, b: Buffer): void => {
        if (!b.length) return;
        (stream === 0 ? out : err).push(b);
        (stream === 0 ? opts.onStdout : opts.onStderr)?.(b);
      };

      const done = (closed = false): void => {
        const ended = outEnd.end !== undefined && errEnd.end !== undefined;
        if (finished || (!closed && !outcome && !ended)) return;
        finished = true;
        clearTimeout(timer);
        unsubscribe?.();
        this.job = undefined;
        this.conn.running.delete(entry);
        keep(0, outEnd.flush());
        keep(1, errEnd.flush());
        if (outcome) return reject(commandEndError(this.conn, params.display, command, outcome, timeoutMs));
        if (ended) {
          const code = Number(outEnd.end);
          return resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), code, signal: null, durationMs: Math.round(performance.now() - started) });
        }
        // Closed before the shell said its pid: it never read the script.
        if (this.pgid === undefined && this.conn.alive) {
          this.refused = true;
          return resolve(undefined);
        }
        reject(commandEndError(this.conn, params.display, command, 'lost'));
      };
      const interrupt = async (why: 'timeout' | 'abort'): Promise<void> => {
        if (outcome || finished) return;
        outcome = why;
        await killOnHost(ch, this.pgid, undefined, why === 'timeout' ? 'KILL' : 'TERM', helper);
        ch.close();
        setTimeout(() => done(true), 1000).unref();
      };
      const entry = { interrupt: () => interrupt('abort') };
      this.conn.running.add(entry);
      const wrapped = timeoutMs !== undefined && timeoutMs > 0;
      const timer = wrapped ? setTimeout(() => void interrupt('timeout'), timeoutMs) : undefined;
      if (params.runSignal?.aborted) queueMicrotask(() => void interrupt('abort'));
      const unsubscribe = opts.signal && opts.signal !== params.runSignal ? params.signals.subscribe(opts.signal, () => void interrupt('abort')) : undefined;
      const output = (stream: 0 | 1, chunk: Buffer): void => {
        keep(stream, (stream === 0 ? outEnd : errEnd).push(chunk));
        done();
      };
      this.job = { ch, output, gone: () => done(true) };

      const hello = this.fresh ? HELLO : '';
      this.fresh = false;
      ch.write(`${hello}(eval ${quote(command)}) </dev/null; printf '\\036dpl-end:%s:%s\\n' ${id} "$?"; printf '\\036dpl-end:%s\\n' ${id} >&2\n`);
    });
  }
}
