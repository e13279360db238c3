// Human output: `[host] out: line`, a colour per host on a TTY, none when piped
// or NO_COLOR. The only place (with other reporters) that uses chalk.
// On Ctrl-C it prints where every host of the running task stands.
import { Chalk, type ChalkInstance } from 'chalk';
import type { DplEvent, EventType } from '../core/events.js';
import { HostStates, type HostState } from './host-states.js';
import { FORMATS, type Format, type FormatContext } from './format/index.js';
import { levelText } from './format/core.js';

export interface PrettyOptions {
  write: (text: string) => void;
  color: boolean;
  quiet: boolean;
  verbose: boolean;
  dryRun: boolean;
  /** Keep the summary line until `finish()` (so late warnings, e.g. webhooks, print above it). */
  deferSummary?: boolean;
}

const PALETTE = ['cyan', 'magenta', 'yellow', 'green', 'blue', 'cyanBright', 'magentaBright', 'greenBright', 'blueBright'] as const;

/** The CLI's first Ctrl-C (src/cli/execute.ts). */
export function isInterruptEvent(e: DplEvent): boolean {
  return e.type === 'run.interrupt';
}

export class PrettyReporter {
  private readonly chalk: ChalkInstance;
  private readonly hostColors = new Map<string, (s: string) => string>();
  private readonly states = new HostStates();
  private interrupted = false;
  private heldSummary?: string;
  private readonly format: FormatContext;

  constructor(private readonly o: PrettyOptions) {
    this.chalk = new Chalk({ level: o.color ? 1 : 0 });
    const reporter = this;
    this.format = {
      c: this.chalk,
      quiet: o.quiet,
      verbose: o.verbose,
      dryRun: o.dryRun,
      get interrupted() {
        return reporter.interrupted;
      },
      tag: (host) => this.tag(host),
      line: (host, level, text) => {
        if (level === 'debug' && !o.verbose) return undefined;
        if (level === 'info' && o.quiet) return undefined;
        return this.tag(host) + levelText(this.chalk, level) + text;
      },
    };
  }

  readonly handle = (e: DplEvent): void => {
    this.states.observe(e);
    const line = this.render(e);
    if (line !== undefined) this.o.write(line + '\n');
    if (isInterruptEvent(e) && !this.interrupted) {
      this.interrupted = true;
      const report = this.interruptReport();
      if (report) this.o.write(report + '\n');
    }
  };

  /** Print the summary held back by `deferSummary`. */
  finish(): void {
    if (this.heldSummary === undefined) return;
    this.o.write(this.heldSummary + '\n');
    this.heldSummary = undefined;
  }

  private tag(host: string | undefined): string {
    if (!host) return '';
    // Without colour (the run log, pipes) no paint: this runs for every command and line of every host.
    if (!this.o.color) return `[${host}] `;
    let paint = this.hostColors.get(host);
    if (!paint) {
      const name = PALETTE[this.hostColors.size % PALETTE.length]!;
      paint = (s: string) => this.chalk[name](s);
      this.hostColors.set(host, paint);
    }
    return paint(`[${host}]`) + ' ';
  }

  private render(e: DplEvent): string | undefined {
    const text = (FORMATS[e.type] as Format<EventType>)(e, this.format);
    if (e.type !== 'run.end' || !this.o.deferSummary) return text;
    this.heldSummary = text;
    return undefined;
  }

  private interruptReport(): string | undefined {
    const [frame, ...callers] = this.states.frames();
    if (!frame || frame.hosts.length === 0) return undefined;
    const c = this.chalk;
    const width = Math.max(...frame.hosts.map((h) => h.length));
    const via = callers.length ? ` (called from ${callers.map((f) => f.task).join(' < ')})` : '';
    const lines = [c.yellow(`host states when interrupted during ${frame.task}${via}:`)];
    for (const host of frame.hosts) {
      const state = frame.states.get(host) ?? 'not started';
      lines.push(`  ${host.padEnd(width)}  ${paintState(c, state)}`);
    }
    return lines.join('\n');
  }
}

function paintState(c: ChalkInstance, state: HostState): string {
  if (state === 'done') return c.green(state);
  if (state === 'failed') return c.red(state);
  if (state === 'running') return c.yellow(state);
  return c.dim(state);
}
