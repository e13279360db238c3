// Counts what happened in a run from its events, for the closing summary line.
// Hosts come from host.end events, and for orchestrated tasks (which drive their
// targets themselves) from task.start's hosts and task.end's failed list.
import type { DplEvent } from '../core/events.js';

export class RunTally {
  readonly tasks = new Set<string>();
  readonly hostsOk = new Set<string>();
  readonly hostsFailed = new Set<string>();
  readonly hostsSkipped = new Set<string>();
  private readonly orchestrated = new Map<string, string[]>();

  observe(e: DplEvent): void {
    if (e.type === 'task.start') {
      this.tasks.add(e.task);
      if (e.orchestrated) this.orchestrated.set(e.task, e.hosts);
    } else if (e.type === 'task.end' && this.orchestrated.has(e.task)) {
      for (const h of this.orchestrated.get(e.task)!) (e.failed.includes(h) ? this.hostsFailed : this.hostsOk).add(h);
      this.orchestrated.delete(e.task);
    } else if (e.type === 'host.end' && e.host !== 'local') {
      if (e.skipped) this.hostsSkipped.add(e.host);
      else if (e.ok) this.hostsOk.add(e.host);
      else this.hostsFailed.add(e.host);
    }
  }

  okHosts(): string[] {
    return [...this.hostsOk].filter((h) => !this.hostsFailed.has(h));
  }
}
