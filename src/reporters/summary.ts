// Counts what happened in a run from its events, for the closing summary line.
import type { DplEvent } from '../core/events.js';

export class RunTally {
  readonly tasks = new Set<string>();
  readonly hostsOk = new Set<string>();
  readonly hostsFailed = new Set<string>();
  readonly hostsSkipped = new Set<string>();

  observe(e: DplEvent): void {
    if (e.type === 'task.start') this.tasks.add(e.task);
    if (e.type !== 'host.end' || e.host === 'local') return;
    if (e.skipped) this.hostsSkipped.add(e.host);
    else if (e.ok) this.hostsOk.add(e.host);
    else this.hostsFailed.add(e.host);
  }

  okHosts(): string[] {
    return [...this.hostsOk].filter((h) => !this.hostsFailed.has(h));
  }
}
