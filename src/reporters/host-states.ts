// Where every host of the task in progress stands, rebuilt from events only:
// the interrupt report and the progress display read it. Tasks nest
// (`c.execute`), so the tracker keeps a stack and reports the innermost task.
import type { DplEvent } from '../core/events.js';

export type HostState = 'not started' | 'running' | 'done' | 'failed' | 'skipped';

export interface TaskFrame {
  task: string;
  mode: string;
  /** Hosts the task was planned on, in plan order (hosts first seen later are appended). */
  hosts: string[];
  /** An orchestrator drives its targets itself: no host.start per target. */
  orchestrated: boolean;
  states: Map<string, HostState>;
  phase?: string;
  startedAt: number;
}

export interface HostCounts {
  total: number;
  done: number;
  running: number;
  failed: number;
  notStarted: number;
}

export class HostStates {
  private readonly stack: TaskFrame[] = [];
  private readonly inFlight = new Map<string, number>();
  /** Hosts that failed anywhere in this run ("failures so far"). */
  readonly failedHosts = new Set<string>();

  get current(): TaskFrame | undefined {
    return this.stack[this.stack.length - 1];
  }

  observe(e: DplEvent): void {
    switch (e.type) {
      case 'task.start': {
        const orchestrated = !!e.orchestrated && e.hosts.length > 0;
        const states = new Map<string, HostState>(e.hosts.map((h) => [h, 'not started']));
        this.stack.push({ task: e.task, mode: e.mode, hosts: [...e.hosts], orchestrated, states, startedAt: Date.now() });
        break;
      }
      case 'task.end': {
        const i = this.stack.map((f) => f.task).lastIndexOf(e.task);
        if (i >= 0) this.stack.splice(i, 1);
        break;
      }
      case 'host.start':
        this.set(e.host, 'running', !this.current?.orchestrated);
        break;
      case 'host.end': {
        const state: HostState = e.skipped ? 'skipped' : e.ok ? 'done' : 'failed';
        if (state === 'failed' && e.host !== 'local') this.failedHosts.add(e.host);
        this.set(e.host, state, !this.current?.orchestrated);
        break;
      }
      case 'command.start':
        this.inFlight.set(e.host, (this.inFlight.get(e.host) ?? 0) + 1);
        if (this.current?.orchestrated && this.current.states.get(e.host) === 'not started') this.set(e.host, 'running', false);
        break;
      case 'command.end':
        this.inFlight.set(e.host, Math.max(0, (this.inFlight.get(e.host) ?? 1) - 1));
        break;
      case 'log': {
        const phase = e.data?.phase;
        if (typeof phase === 'string' && this.current) this.current.phase = phase;
        if (e.level === 'error' && e.host && this.current?.states.has(e.host)) {
          this.failedHosts.add(e.host);
          if (this.current.orchestrated) this.current.states.set(e.host, 'failed');
        }
        break;
      }
      default:
        this.observeDeployPhase(e);
        break;
    }
  }

  /** The deploy module's barrier phases (prepare, switch, ...), read loosely: no compile-time tie to src/deploy. */
  private observeDeployPhase(e: DplEvent): void {
    const d = e as unknown as { type: string; phase?: unknown; state?: unknown; failed?: unknown };
    const frame = this.current;
    if (d.type !== 'deploy.phase' || typeof d.phase !== 'string' || !frame) return;
    if (d.state === 'start') frame.phase = d.phase;
    if (!Array.isArray(d.failed)) return;
    for (const host of d.failed.map(String)) {
      this.failedHosts.add(host);
      if (frame.orchestrated && frame.states.has(host)) frame.states.set(host, 'failed');
    }
  }

  /** Commands running right now on `host`. */
  commandsInFlight(host: string): number {
    return this.inFlight.get(host) ?? 0;
  }

  counts(frame: TaskFrame | undefined = this.current): HostCounts {
    const c: HostCounts = { total: 0, done: 0, running: 0, failed: 0, notStarted: 0 };
    if (!frame) return c;
    for (const state of frame.states.values()) {
      c.total++;
      if (state === 'done' || state === 'skipped') c.done++;
      else if (state === 'running') c.running++;
      else if (state === 'failed') c.failed++;
      else c.notStarted++;
    }
    return c;
  }

  /** The innermost task first, then the tasks that called it. */
  frames(): TaskFrame[] {
    return [...this.stack].reverse();
  }

  private set(host: string, state: HostState, addUnknown: boolean): void {
    const frame = this.current;
    if (!frame) return;
    if (!frame.states.has(host)) {
      if (!addUnknown) return;
      frame.hosts.push(host);
    }
    frame.states.set(host, state);
  }
}
