// How the deploy module talks to hosts: each step is one small shell script (one
// round trip), shown in output by a short name instead of its text. Ctrl-C never
// kills a step (the run's first Ctrl-C lets running commands finish); it only
// stops fan-outs from starting more hosts, and the deploy then undoes its work.
// Steps go to the transport directly rather than through `c.run`, so `-w` (warn
// only) can never turn a failed lock, prepare or switch into a warning.
import type { Readable } from 'node:stream';
import { internal } from '../core/internal.js';
import type { Context } from '../core/context-types.js';
import type { Host } from '../core/host.js';
import { CommandError } from '../core/errors.js';
import { errorText } from '../reporters/error-text.js';
import { LineSplitter } from '../core/lines.js';
import { fanOut, type FanOut } from '../core/fanout.js';
import type { ReleaseStatus } from './config.js';

declare module '../core/events.js' {
  interface EventMap {
    /** `by`: user@machine of who runs the deploy (as the journal and history say). */
    'deploy.resolved': { ref: string; kind: string; tag?: string; sha: string; subject: string; release: string; by?: string };
    'deploy.phase': {
      action: 'deploy' | 'rollback' | 'cleanup';
      phase: string;
      state: 'start' | 'end' | 'failed';
      release?: string;
      hosts: string[];
      failed?: string[];
      durationMs?: number;
    };
    'deploy.status': { host: string; release: string; status: ReleaseStatus; reason?: string; from?: string };
    // One host's part of a named step, timed (the report's per-host timeline). `from`: on a switch, what `current` was.
    'deploy.step': {
      host: string;
      step: HostStep;
      state: 'start' | 'end' | 'failed';
      release?: string;
      from?: string;
      durationMs?: number;
      error?: string;
    };
  }
}

export type HostStep = 'lock' | 'prepare' | 'switch' | 'restart' | 'record';

export interface ScriptOptions {
  /** Emit stdout lines as output events (stderr lines always are). Default false. */
  showOutput?: boolean;
  /** Default: the run's command timeout (-T). */
  timeoutMs?: number;
  /** Copied to the script's stdin (an upload's tar, while it is packed). */
  stdinStream?: Readable;
}

export interface ScriptResult {
  stdout: string;
  stderr: string;
}

/** Run `script` on `host`; `step` is what the output shows. Throws CommandError on a non-zero exit. */
export async function runScript(c: Context, host: Host, step: string, script: string, o: ScriptOptions = {}): Promise<ScriptResult> {
  const hc = c.on(host);
  const transport = await internal(hc).transport();
  const name = host.name;
  internal(hc).emit('command.start', { host: name, command: step, kind: 'run', full: script });
  const out = new LineSplitter((line) => o.showOutput && internal(hc).emit('output', { host: name, stream: 'out', line }));
  const err = new LineSplitter((line) => internal(hc).emit('output', { host: name, stream: 'err', line }));
  const r = await transport.exec(script, {
    timeoutMs: o.timeoutMs ?? (c.session.flags.commandTimeoutMs as number | undefined),
    stdinStream: o.stdinStream,
    ownScript: true,
    onStdout: (b) => out.push(b),
    onStderr: (b) => err.push(b),
  });
  out.flush();
  err.flush();
  internal(hc).emit('command.end', { host: name, command: step, code: r.code, signal: r.signal, durationMs: r.durationMs });
  if (r.code !== 0 || r.signal) throw new CommandError(name, step, r.code, r.signal, r.stdout, r.stderr);
  return { stdout: r.stdout, stderr: r.stderr };
}

/**
 * core's `fanOut` with the run's Ctrl-C: `job` on every host, at most `size` at once,
 * every started job awaited, failures collected in host order. `interruptible`
 * (default true): after Ctrl-C no further host is started. Undo steps pass false so
 * they reach every host.
 */
export function forHosts<T>(
  c: Context,
  hosts: readonly Host[],
  size: number,
  job: (host: Host) => Promise<T>,
  o: { interruptible?: boolean } = {},
): Promise<FanOut<T>> {
  const interruptible = o.interruptible ?? true;
  return fanOut(hosts, job, { limit: size, stop: () => interruptible && c.session.signal.aborted });
}

/** The text between `@@DPL <name>` and the next `@@DPL` marker line. */
export function section(stdout: string, name: string): string | undefined {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l === `@@DPL ${name}` || l.startsWith(`@@DPL ${name} `));
  if (start < 0) return undefined;
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => l.startsWith('@@DPL '));
  return (end < 0 ? rest : rest.slice(0, end)).join('\n');
}

/** The value on a `@@DPL <name> <value>` line. */
export function marker(stdout: string, name: string): string | undefined {
  const line = stdout.split('\n').find((l) => l === `@@DPL ${name}` || l.startsWith(`@@DPL ${name} `));
  return line === undefined ? undefined : line.slice(`@@DPL ${name}`.length).trim();
}

export function shortSha(sha: string): string {
  return sha.slice(0, 12);
}

/** `job` as one host's step of the timeline: a 'deploy.step' start, then end or failed with its duration. */
export async function timedStep<T>(
  c: Context,
  host: Host,
  step: HostStep,
  job: () => Promise<T>,
  o: { release?: string; from?: string; refused?: (r: T) => string | undefined } = {},
): Promise<T> {
  const t0 = Date.now();
  const at = { host: host.name, step, ...(o.release ? { release: o.release } : {}), ...(o.from ? { from: o.from } : {}) };
  internal(c).emit('deploy.step', { ...at, state: 'start' });
  try {
    const r = await job();
    // A step can fail without throwing (a lock someone else holds is an answer, not an error).
    const refused = o.refused?.(r);
    internal(c).emit('deploy.step', { ...at, state: refused ? 'failed' : 'end', durationMs: Date.now() - t0, ...(refused ? { error: refused } : {}) });
    return r;
  } catch (e) {
    internal(c).emit('deploy.step', { ...at, state: 'failed', durationMs: Date.now() - t0, error: errorText(e) });
    throw e;
  }
}

// An error quoted in the domain's own messages reads as people see it: `[host] message`.
export { errorText };
