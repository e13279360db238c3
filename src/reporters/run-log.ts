// The run log: every run's events as JSON lines (events.jsonl) and as readable
// text (run.log), under <project>/.dpl/logs/<time>-<id>/, newest at
// .dpl/logs/latest. Secrets are already redacted by the EventBus. A log that
// cannot be written warns once and never fails the run. Each run is capped at
// config.runLog.maxRunBytes (a marker where output was cut, a closing line with
// what was left out) and old runs are pruned to config.runLog.maxTotalBytes.
import { isAbsolute, join, relative } from 'node:path';
import type { DplEvent } from '../core/events.js';
import { PrettyReporter } from './pretty.js';
import { RunLogBudget, type Mirror } from './run-log-budget.js';
import { formatBytes, type ResolvedRunLogConfig, type RunLogConfig } from './run-log-config.js';
import { BufferedFile, createRunDir, linkLatest, pruneRuns, runDirName } from './run-log-files.js';

export { parseRunLogConfig, type RunLogConfig } from './run-log-config.js';

export interface RunLogOptions {
  root: string;
  config: ResolvedRunLogConfig;
  dryRun: boolean;
  /** What else shows every output event, for the markers (undefined: nothing, e.g. -q). */
  mirror?: Mirror;
  /** Emits a warning on the run's events: once if the log cannot be written, once when it is full. */
  warn: (message: string) => void;
}

export class RunLog {
  readonly dir: string;
  private readonly events: BufferedFile;
  private readonly text: BufferedFile;
  private readonly pretty: PrettyReporter;
  private readonly timer: NodeJS.Timeout;
  private readonly budget: RunLogBudget;
  private readonly onExit = (): void => {
    try {
      this.summarize();
    } catch (err) {
      this.fail(err);
    }
    this.flush();
  };
  private readonly clock = new Clock();
  private stamp = '';
  /** What the pretty reporter rendered for the event in hand, timestamped. */
  private rendered = '';
  private failed = false;
  private summarized = false;
  private prune: () => void = () => undefined;

  private constructor(dir: string, private readonly o: RunLogOptions) {
    this.dir = dir;
    this.budget = new RunLogBudget(o.config.maxRunBytes);
    this.events = new BufferedFile(join(dir, 'events.jsonl'));
    this.text = new BufferedFile(join(dir, 'run.log'));
    this.pretty = new PrettyReporter({ write: (t) => this.render(t), color: false, quiet: false, verbose: true, dryRun: o.dryRun });
    const header = `dpl run log: started ${new Date().toISOString()}, pid ${process.pid}, project ${o.root}\n`;
    this.budget.written += Buffer.byteLength(header);
    this.text.append(header);
    this.timer = setInterval(() => this.flush(), 200).unref();
    process.on('exit', this.onExit);
  }

  /** Create this run's directory and link it as latest; undefined (after a warning) if that fails. Old runs are pruned at close. */
  static open(o: RunLogOptions): RunLog | undefined {
    const logsDir = logsDirOf(o.root, o.config);
    try {
      const name = runDirName();
      const log = new RunLog(createRunDir(logsDir, name), o);
      linkLatest(logsDir, name);
      // Housekeeping waits for the end of the run: it is not worth delaying the first connect for.
      log.prune = () => pruneRuns(logsDir, o.config, name);
      return log;
    } catch (e) {
      o.warn(`run log disabled: cannot write under ${logsDir}: ${(e as Error).message}`);
      return undefined;
    }
  }

  readonly handle = (e: DplEvent): void => {
    if (this.failed || this.budget.cutsOutput(e)) return;
    try {
      const json = JSON.stringify(e) + '\n';
      this.stamp = this.clock.of(e.time);
      this.rendered = '';
      this.pretty.handle(e);
      const text = this.rendered;
      const verdict = this.budget.admit(e, Buffer.byteLength(json) + Buffer.byteLength(text));
      if (verdict === 'write') {
        this.events.append(json);
        this.text.append(text);
      } else if (verdict === 'first cut') {
        // The marker goes through the run's events: the terminal hears of it too, and this log records it (room is kept for it).
        this.o.warn(this.fullMessage(e.type === 'output'));
      }
    } catch (err) {
      this.fail(err);
    }
  };

  close(): void {
    clearInterval(this.timer);
    process.off('exit', this.onExit);
    try {
      this.summarize();
      this.events.close();
      this.text.close();
      this.prune();
    } catch (err) {
      this.fail(err);
    }
  }

  private render(text: string): void {
    // Most events are one line: no split for them (this runs for every event of every host).
    const nl = text.indexOf('\n');
    if (nl === -1 || nl === text.length - 1) {
      this.rendered += `${this.stamp} ${nl === -1 ? text : text.slice(0, nl)}\n`;
      return;
    }
    this.rendered += text.replace(/\n$/, '').split('\n').map((l) => `${this.stamp} ${l}`).join('\n') + '\n';
  }

  private fullMessage(output: boolean): string {
    const rel = relative(this.o.root, this.dir);
    const where = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : this.dir;
    const { mirror } = this.o;
    const still = output && mirror === 'terminal' ? '; the terminal still shows it' : mirror === 'json' ? '; the --json output still has it' : '';
    const what = output ? 'output from here on is' : 'output and events from here on, but for how tasks and the run end, are';
    return `run log full (${formatBytes(this.budget.maxRunBytes)}, config.runLog.maxRunBytes): ${what} left out of ${where}${still}`;
  }

  /** The closing line, once, when something was left out: how much, per host and stream. */
  private summarize(): void {
    if (this.summarized || this.failed || !this.budget.cut) return;
    this.summarized = true;
    const { message, data } = this.budget.summary(this.o.mirror);
    const e: DplEvent = { type: 'log', time: new Date().toISOString(), level: 'warn', topic: 'runlog', message, data };
    const json = JSON.stringify(e) + '\n';
    this.stamp = this.clock.of(e.time);
    this.rendered = '';
    this.pretty.handle(e);
    if (!this.budget.fits(Buffer.byteLength(json) + Buffer.byteLength(this.rendered))) return;
    this.events.append(json);
    this.text.append(this.rendered);
  }

  private flush(): void {
    if (this.failed) return;
    try {
      this.events.flush();
      this.text.flush();
    } catch (err) {
      this.fail(err);
    }
  }

  private fail(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.o.warn(`run log stopped: cannot write ${this.dir}: ${(err as Error).message}`);
  }
}

export function logsDirOf(root: string, config: Pick<RunLogConfig, 'dir'>): string {
  const dir = config.dir ?? join('.dpl', 'logs');
  return isAbsolute(dir) ? dir : join(root, dir);
}

/** Local wall-clock time of an event, HH:MM:SS.mmm; the local HH:MM:SS worked out once per second (events come hundreds a second). */
export class Clock {
  private second = '';
  private local = '';

  of(iso: string): string {
    // ISO from toISOString: YYYY-MM-DDTHH:MM:SS.mmmZ. Time zones are whole minutes away from UTC, so the milliseconds carry over.
    const second = iso.slice(0, 19);
    if (iso.length !== 24 || iso[19] !== '.') return clock(iso);
    if (second !== this.second) {
      this.second = second;
      this.local = clock(iso).slice(0, 8);
    }
    return `${this.local}.${iso.slice(20, 23)}`;
  }
}

function clock(iso: string): string {
  const d = new Date(iso);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}
