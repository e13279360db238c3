// The byte budget of one run's log (events.jsonl and run.log together), in tiers
// so that what matters most outlives a flood: command output stops first, a little
// before the cap, so the run's commands, warnings and summary still fit after it;
// other events stop next; how tasks, hosts and the run ended (and errors, and the
// run log's own markers) can use the room above them; the last bit is kept for the
// closing line that says what was left out. Counting only: nothing here reads a file.
import type { DplEvent } from '../core/events.js';
import { formatBytes } from './run-log-config.js';
import { plainLines } from './format/plain.js';

/** Kept for the closing "left out" line (it lists at most MAX_LISTED streams). */
const SUMMARY_ROOM = 16_000;
const MAX_LISTED = 10;

export interface LeftOut {
  host: string;
  stream: 'out' | 'err';
  lines: number;
  /** Bytes the command printed (each line and its newline). */
  bytes: number;
}

/** What else got every output event: the terminal (pretty, not -q) or stdout with --json. */
export type Mirror = 'terminal' | 'json';

export type Verdict = 'write' | 'cut' | 'first cut';

/** Events that say how the run went: they get the room kept above every other event. */
function isOutcome(e: DplEvent): boolean {
  if (e.type === 'run.end' || e.type === 'task.end' || e.type === 'host.end' || e.type === 'deploy.outcome' || e.type === 'rollout.end' || e.type === 'rollout.restart') return true;
  if (e.type === 'log') return e.level === 'error' || e.topic === 'runlog';
  // Errors are typed events too (a failed batch, a host the rollback left behind): the ones whose words are an error line.
  return !CHATTY.has(e.type) && plainLines(e).some((l) => l.level === 'error');
}

/** Frequent events that are never errors: not worded just to find out. */
const CHATTY = new Set<DplEvent['type']>(['command.start', 'command.end', 'transfer', 'task.start', 'host.start', 'rollout.sample', 'deploy.step']);

export class RunLogBudget {
  written = 0;
  private readonly outputLimit: number;
  private readonly eventLimit: number;
  private readonly outcomeLimit: number;
  private outputFull = false;
  private eventsFull = false;
  private readonly leftOut = new Map<string, LeftOut>();
  private otherEvents = 0;

  constructor(readonly maxRunBytes: number) {
    // 20 MB: output up to 18.7 MB, other events to 19.7 MB, outcomes to 19.98 MB.
    this.outcomeLimit = maxRunBytes - SUMMARY_ROOM;
    this.eventLimit = this.outcomeLimit - Math.min(250_000, Math.floor(maxRunBytes / 16));
    this.outputLimit = this.eventLimit - Math.min(1_000_000, Math.floor(maxRunBytes / 8));
  }

  /** Output events already past the cap: counted without rendering them. */
  cutsOutput(e: DplEvent): boolean {
    if (e.type !== 'output' || !this.outputFull) return false;
    this.count(e);
    return true;
  }

  /** Whether an event that costs `bytes` in the two files is written; 'first cut' once, when the log fills. */
  admit(e: DplEvent, bytes: number): Verdict {
    const output = e.type === 'output';
    const outcome = !output && isOutcome(e);
    const limit = output ? this.outputLimit : outcome ? this.outcomeLimit : this.eventLimit;
    const closed = output ? this.outputFull : !outcome && this.eventsFull;
    if (!closed && this.written + bytes <= limit) {
      this.written += bytes;
      return 'write';
    }
    const first = !this.outputFull && !this.eventsFull;
    // From here on, not just this event: a log with holes would read as if nothing happened
    // (outcomes excepted: they are written while they fit).
    this.outputFull = true;
    if (!output) this.eventsFull = true;
    this.count(e);
    return first ? 'first cut' : 'cut';
  }

  /** Whether anything was left out. */
  get cut(): boolean {
    return this.leftOut.size > 0 || this.otherEvents > 0;
  }

  /** Whether the closing line (at most SUMMARY_ROOM) still fits. */
  fits(bytes: number): boolean {
    return this.written + bytes <= this.maxRunBytes;
  }

  /** The closing line and its data, e.g. "left out 25,456 lines (2.5 MB) of output (...): [web1] out 25,455 lines (2.5 MB), ...". */
  summary(mirror: Mirror | undefined): { message: string; data: Record<string, unknown> } {
    const all = [...this.leftOut.values()];
    const listed = all.slice(0, MAX_LISTED);
    const lines = all.reduce((n, s) => n + s.lines, 0);
    const bytes = all.reduce((n, s) => n + s.bytes, 0);
    const parts: string[] = [];
    if (all.length) {
      const streams = listed.map((s) => `[${s.host.slice(0, 100)}] ${s.stream} ${plural(s.lines, 'line')} (${formatBytes(s.bytes)})`);
      if (all.length > listed.length) streams.push(`${all.length - listed.length} more streams`);
      parts.push(`${plural(lines, 'line')} (${formatBytes(bytes)}) of output (cap ${formatBytes(this.maxRunBytes)}, config.runLog.maxRunBytes): ${streams.join(', ')}`);
    }
    if (this.otherEvents) parts.push(`${all.length ? 'and ' : ''}${plural(this.otherEvents, 'other event')}`);
    let message = `run log: left out ${parts.join('; ')}`;
    if (all.length && mirror) message += mirror === 'json' ? '; the --json output had all of it' : '; the terminal showed all of it';
    const data = {
      maxRunBytes: this.maxRunBytes,
      lines,
      bytes,
      leftOut: listed.map((s) => ({ ...s, host: s.host.slice(0, 100) })),
      moreStreams: all.length - listed.length,
      otherEvents: this.otherEvents,
    };
    return { message, data };
  }

  private count(e: DplEvent): void {
    if (e.type !== 'output') {
      this.otherEvents++;
      return;
    }
    const key = `${e.stream} ${e.host}`;
    let s = this.leftOut.get(key);
    if (!s) this.leftOut.set(key, (s = { host: e.host, stream: e.stream, lines: 0, bytes: 0 }));
    s.lines++;
    s.bytes += Buffer.byteLength(e.line) + 1;
  }
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}
