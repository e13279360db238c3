// Human output: `[host] out: line`, a colour per host on a TTY, none when piped
// or NO_COLOR. The only place (with other reporters) that uses chalk.
import { Chalk, type ChalkInstance } from 'chalk';
import type { DplEvent } from '../core/events.js';

export interface PrettyOptions {
  write: (text: string) => void;
  color: boolean;
  quiet: boolean;
  verbose: boolean;
  dryRun: boolean;
}

const PALETTE = ['cyan', 'magenta', 'yellow', 'green', 'blue', 'cyanBright', 'magentaBright', 'greenBright', 'blueBright'] as const;

export class PrettyReporter {
  private readonly chalk: ChalkInstance;
  private readonly hostColors = new Map<string, (s: string) => string>();

  constructor(private readonly o: PrettyOptions) {
    this.chalk = new Chalk({ level: o.color ? 1 : 0 });
  }

  readonly handle = (e: DplEvent): void => {
    const line = this.render(e);
    if (line !== undefined) this.o.write(line + '\n');
  };

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
        return c.bold(`== ${e.task}`) + c.dim(e.mode === 'local' ? ' (local)' : ` on ${e.hosts.join(', ')} (${e.mode})`);
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
      case 'run.end':
        return this.summary(e);
      default:
        return undefined;
    }
  }

  private summary(e: Extract<DplEvent, { type: 'run.end' }>): string {
    const c = this.chalk;
    const secs = (e.durationMs / 1000).toFixed(2);
    const hosts = `${e.hostsOk.length} host${e.hostsOk.length === 1 ? '' : 's'} ok` + (e.hostsFailed.length ? `, ${e.hostsFailed.length} failed (${e.hostsFailed.join(', ')})` : '');
    const text = `${e.ok ? 'Done' : 'Failed'}: ${e.tasks} task${e.tasks === 1 ? '' : 's'}, ${hosts}, ${secs}s${this.o.dryRun ? ' (dry run: no host was touched)' : ''}`;
    return e.ok ? c.green(text) : c.red(text);
  }
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
