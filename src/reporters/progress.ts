// Progress for work across many hosts: on a TTY a status line kept under the
// output (hosts done / total, current task and phase, failures so far); when
// piped or in CI, a plain line each time a host finishes instead.
import { Chalk, type ChalkInstance } from 'chalk';
import type { DplEvent } from '../core/events.js';
import { HostStates, type TaskFrame } from './host-states.js';

const CLEAR = '\r\x1b[2K';
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** A terminal writer that keeps one status line below everything printed. */
export class LiveLine {
  private status = '';

  constructor(
    private readonly write: (text: string) => void,
    private readonly columns: () => number = () => process.stdout.columns || 80,
  ) {}

  /** Print whole lines above the status line. */
  readonly print = (text: string): void => {
    this.write(this.status ? CLEAR + text + this.status : text);
  };

  set(status: string): void {
    const width = Math.max(10, this.columns() - 1);
    // Never let the status line wrap: a wrapped line cannot be cleared in place.
    const visible = [...status.replace(/\x1b\[[0-9;]*m/g, '')];
    const next = visible.length > width ? visible.slice(0, width - 1).join('') + '…' : status;
    if (next === this.status) return;
    this.status = next;
    this.write(CLEAR + next);
  }

  clear(): void {
    if (!this.status) return;
    this.status = '';
    this.write(CLEAR);
  }
}

export interface ProgressOptions {
  /** `live`: status line on a TTY; `plain`: a line per finished host. */
  mode: 'live' | 'plain';
  write: (text: string) => void;
  live?: LiveLine;
  color: boolean;
  intervalMs?: number;
}

export class ProgressReporter {
  private readonly states = new HostStates();
  private readonly chalk: ChalkInstance;
  private timer?: NodeJS.Timeout;
  private tick = 0;
  /** A prompt is on the terminal: no status line until it is answered. */
  private paused = false;

  constructor(private readonly o: ProgressOptions) {
    this.chalk = new Chalk({ level: o.color ? 1 : 0 });
  }

  readonly handle = (e: DplEvent): void => {
    this.states.observe(e);
    if (this.o.mode === 'plain') {
      this.plain(e);
      return;
    }
    if (e.type === 'prompt.open' || e.type === 'prompt.close') {
      this.paused = e.type === 'prompt.open';
      if (this.paused) this.o.live?.clear();
      else this.redraw();
    } else if (e.type === 'run.end') this.stop();
    else if (e.type !== 'output') this.redraw();
  };

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.o.live?.clear();
  }

  private plain(e: DplEvent): void {
    const frame = this.states.current;
    if (e.type !== 'host.end' || !frame || frame.orchestrated || frame.hosts.length < 2) return;
    const n = this.states.counts(frame);
    const failed = this.states.failedHosts.size;
    const state = e.skipped ? 'skipped' : e.ok ? 'done' : 'failed';
    const text = `-- ${frame.task}: ${e.host} ${state} (${n.done + n.failed}/${n.total} hosts finished${failed ? `, ${failed} failed so far` : ''})`;
    this.o.write(this.chalk.dim(text) + '\n');
  }

  private redraw(): void {
    const live = this.o.live;
    const frame = this.states.frames().find((f) => f.hosts.length >= 2);
    if (this.paused) return;
    if (!live || !frame) {
      this.stop();
      return;
    }
    this.timer ??= setInterval(() => {
      this.tick++;
      this.redraw();
    }, this.o.intervalMs ?? 250).unref();
    live.set(this.statusText(frame));
  }

  private statusText(frame: TaskFrame): string {
    const c = this.chalk;
    const n = this.states.counts(frame);
    const parts = [`${SPINNER[this.tick % SPINNER.length]} ${c.bold(frame.task)}` + (frame.phase ? ` (${frame.phase})` : '')];
    if (frame.orchestrated) {
      const busy = frame.hosts.filter((h) => this.states.commandsInFlight(h) > 0).length;
      parts.push(`${n.total} hosts`, `${busy} busy`);
    } else {
      parts.push(`${n.done + n.failed}/${n.total} hosts done`);
      if (n.running) parts.push(`${n.running} running`);
    }
    const failed = this.states.failedHosts.size;
    if (failed) parts.push(c.red(`${failed} failed`));
    parts.push(elapsed(Date.now() - frame.startedAt));
    return parts.join(c.dim(' · '));
  }
}

function elapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
