// Human output: `[host] out: line`, a colour per host on a TTY, none when piped
// or NO_COLOR. The only place (with other reporters) that uses chalk.
// On Ctrl-C it prints where every host of the running task stands.
import { Chalk, type ChalkInstance } from 'chalk';
import type { DplEvent } from '../core/events.js';
import { HostStates, type HostState } from './host-states.js';
import { renderPending } from './pending.js';

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

/** The CLI's first-Ctrl-C warning (src/cli/execute.ts). */
export function isInterruptEvent(e: DplEvent): boolean {
  return e.type === 'log' && !e.host && (e.topic === 'interrupt' || (e.level === 'warn' && e.message.startsWith('interrupted')));
}

export class PrettyReporter {
  private readonly chalk: ChalkInstance;
  private readonly hostColors = new Map<string, (s: string) => string>();
  private readonly states = new HostStates();
  private interrupted = false;
  private heldSummary?: string;

  constructor(private readonly o: PrettyOptions) {
    this.chalk = new Chalk({ level: o.color ? 1 : 0 });
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
    let paint = this.hostColors.get(host);
    if (!paint) {
      const name = PALETTE[this.hostColors.size % PALETTE.length]!;
      paint = (s: string) => this.chalk[name](s);
      this.hostColors.set(host, paint);
    }
    return paint(`[${host}]`) + ' ';
  }

  private render(e: DplEvent): string | undefined {
    const c = this.chalk;
    const { quiet, verbose, dryRun } = this.o;
    switch (e.type) {
      case 'task.start':
        if (quiet) return undefined;
        return c.bold(`== ${e.task}`) + c.dim(where(e));
      case 'command.start':
        if (quiet) return undefined;
        return this.tag(e.host) + c.dim(`${e.kind}: `) + (dryRun && e.full ? e.full : e.command);
      case 'command.end':
        if (!verbose) return undefined;
        return this.tag(e.host) + c.dim(`${e.signal ? `killed by ${e.signal}` : `exit ${e.code}`} in ${e.durationMs.toFixed(1)} ms`);
      case 'output':
        if (quiet) return undefined;
        return this.tag(e.host) + (e.stream === 'err' ? c.red('err: ') : c.dim('out: ')) + e.line;
      case 'transfer':
        if (quiet) return undefined;
        return this.tag(e.host) + c.dim(`${e.direction}: `) + `${e.local} ${e.direction === 'put' ? '->' : '<-'} ${e.remote} (${e.files} file${e.files === 1 ? '' : 's'}, ${e.bytes} bytes)`;
      case 'host.end':
        if (e.ok || e.skipped || quiet) return undefined;
        return this.tag(e.host) + c.red(`failed: ${firstLine(e.error)}`);
      case 'log':
        if (e.level === 'debug' && !verbose) return undefined;
        if (e.level === 'info' && quiet) return undefined;
        return this.tag(e.host) + levelText(c, e.level) + e.message;
      case 'deploy.pending':
        // Shown even with -q: it is what the task (or the question after it) is about.
        return renderPending(c, e);
      case 'run.end': {
        const text = this.summary(e);
        if (!this.o.deferSummary) return text;
        this.heldSummary = text;
        return undefined;
      }
      default:
        return undefined;
    }
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

  private summary(e: Extract<DplEvent, { type: 'run.end' }>): string {
    const c = this.chalk;
    const secs = (e.durationMs / 1000).toFixed(2);
    const touched = e.hostsOk.length + e.hostsFailed.length;
    const hosts = !touched
      ? 'no remote hosts'
      : `${e.hostsOk.length} host${e.hostsOk.length === 1 ? '' : 's'} ok` + (e.hostsFailed.length ? `, ${e.hostsFailed.length} failed (${e.hostsFailed.join(', ')})` : '');
    const word = e.ok ? 'Done' : this.interrupted ? 'Interrupted' : 'Failed';
    const text = `${word}: ${e.tasks} task${e.tasks === 1 ? '' : 's'}, ${hosts}, ${secs}s${this.o.dryRun ? ' (dry run: no host was touched)' : ''}`;
    return e.ok ? c.green(text) : this.interrupted ? c.yellow(text) : c.red(text);
  }
}

function where(e: Extract<DplEvent, { type: 'task.start' }>): string {
  if (e.mode !== 'local') return ` on ${e.hosts.join(', ')} (${e.mode})`;
  return e.orchestrated && e.hosts.length ? ` on ${e.hosts.join(', ')} (orchestrated)` : ' (local)';
}

function paintState(c: ChalkInstance, state: HostState): string {
  if (state === 'done') return c.green(state);
  if (state === 'failed') return c.red(state);
  if (state === 'running') return c.yellow(state);
  return c.dim(state);
}

function levelText(c: ChalkInstance, level: string): string {
  if (level === 'warn') return c.yellow('warning: ');
  if (level === 'error') return c.red('error: ');
  if (level === 'debug') return c.dim('debug: ');
  return '';
}

function firstLine(text: string | undefined): string {
  const line = (text ?? 'failed').split('\n')[0]!;
  return line.replace(/^\[[^\]]+\] /, '');
}
