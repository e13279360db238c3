// The run log: every run's events as JSON lines (events.jsonl) and as readable
// text (run.log), under <project>/.dpl/logs/<time>-<id>/, newest at
// .dpl/logs/latest. Secrets are already redacted by the EventBus. A log that
// cannot be written warns once and never fails the run.
import { isAbsolute, join } from 'node:path';
import type { DplEvent } from '../core/events.js';
import { DeployfileError } from '../core/errors.js';
import { PrettyReporter } from './pretty.js';
import { BufferedFile, createRunDir, linkLatest, pruneRuns, runDirName } from './run-log-files.js';

export interface RunLogConfig {
  /** Where the logs go, relative to the project root (default `.dpl/logs`). */
  dir?: string;
  /** How many runs to keep (default 50). */
  keep?: number;
}

export const DEFAULT_KEEP = 50;

/** `config.runLog`: `false` turns the run log off. */
export function parseRunLogConfig(value: unknown): RunLogConfig | false {
  if (value === undefined) return {};
  if (value === false) return false;
  const v = value as RunLogConfig;
  if (typeof value !== 'object' || value === null) throw new DeployfileError('config.runLog must be an object ({ keep, dir }) or false');
  if (v.keep !== undefined && (!Number.isInteger(v.keep) || v.keep < 1)) throw new DeployfileError('config.runLog.keep must be a whole number above 0');
  if (v.dir !== undefined && (typeof v.dir !== 'string' || !v.dir)) throw new DeployfileError('config.runLog.dir must be a path');
  return { dir: v.dir, keep: v.keep };
}

export interface RunLogOptions {
  root: string;
  config: RunLogConfig;
  dryRun: boolean;
  /** Called once if the log cannot be written. */
  warn: (message: string) => void;
}

export class RunLog {
  readonly dir: string;
  private readonly events: BufferedFile;
  private readonly text: BufferedFile;
  private readonly pretty: PrettyReporter;
  private readonly timer: NodeJS.Timeout;
  private readonly onExit = (): void => this.flush();
  private stamp = '';
  private failed = false;
  private prune: () => void = () => undefined;

  private constructor(dir: string, private readonly o: RunLogOptions) {
    this.dir = dir;
    this.events = new BufferedFile(join(dir, 'events.jsonl'));
    this.text = new BufferedFile(join(dir, 'run.log'));
    this.pretty = new PrettyReporter({ write: (t) => this.writeText(t), color: false, quiet: false, verbose: true, dryRun: o.dryRun });
    this.text.append(`dpl run log: started ${new Date().toISOString()}, pid ${process.pid}, project ${o.root}\n`);
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
      log.prune = () => pruneRuns(logsDir, o.config.keep ?? DEFAULT_KEEP, name);
      return log;
    } catch (e) {
      o.warn(`run log disabled: cannot write under ${logsDir}: ${(e as Error).message}`);
      return undefined;
    }
  }

  readonly handle = (e: DplEvent): void => {
    if (this.failed) return;
    try {
      this.events.append(JSON.stringify(e) + '\n');
      this.stamp = clock(e.time);
      this.pretty.handle(e);
    } catch (err) {
      this.fail(err);
    }
  };

  close(): void {
    clearInterval(this.timer);
    process.off('exit', this.onExit);
    try {
      this.events.close();
      this.text.close();
      this.prune();
    } catch (err) {
      this.fail(err);
    }
  }

  private writeText(text: string): void {
    this.text.append(text.replace(/\n$/, '').split('\n').map((l) => `${this.stamp} ${l}`).join('\n') + '\n');
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

export function logsDirOf(root: string, config: RunLogConfig): string {
  const dir = config.dir ?? join('.dpl', 'logs');
  return isAbsolute(dir) ? dir : join(root, dir);
}

/** Local wall-clock time of an event, HH:MM:SS.mmm. */
function clock(iso: string): string {
  const d = new Date(iso);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}
