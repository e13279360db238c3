// Typed events from the executor and the domain modules. Reporters (pretty, json,
// run log) subscribe; nothing else writes to the terminal. Domain modules add
// their own events by augmenting `EventMap`:
//   declare module '../core/events.js' { interface EventMap { 'proxy.change': {...} } }

export interface EventMap {
  'run.start': { tasks: string[]; dryRun: boolean };
  'run.end': {
    ok: boolean;
    durationMs: number;
    tasks: number;
    hostsOk: string[];
    hostsFailed: string[];
    error?: string;
  };
  'task.start': {
    task: string;
    hosts: string[];
    mode: 'local' | 'serial' | 'parallel' | 'once';
    /** Runs once locally and drives `hosts` itself (no host.start/host.end per target). */
    orchestrated?: boolean;
  };
  'task.end': { task: string; ok: boolean; failed: string[]; durationMs: number };
  'host.start': { task: string; host: string };
  'host.end': { task: string; host: string; ok: boolean; skipped?: boolean; error?: string; durationMs: number };
  'command.start': { host: string; command: string; kind: 'run' | 'sudo' | 'local'; full?: string };
  'command.end': { host: string; command: string; code: number | null; signal: string | null; durationMs: number };
  'transfer': { host: string; direction: 'put' | 'get'; local: string; remote: string; bytes: number; files: number };
  'output': { host: string; stream: 'out' | 'err'; line: string };
  'log': { host?: string; level: 'info' | 'warn' | 'error' | 'debug'; message: string; topic?: string; data?: Record<string, unknown> };
}

export type EventType = keyof EventMap;
export type DplEvent = { [K in EventType]: { type: K; time: string } & EventMap[K] }[EventType];
export type Listener = (event: DplEvent) => void;

/** Fan-out of events to reporters; one per run. */
export class EventBus {
  private readonly listeners: Listener[] = [];
  private readonly redactions: string[] = [];

  on(listener: Listener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Secrets registered here are replaced by *** in every event before any listener sees it. */
  redact(secret: string): void {
    if (secret && secret.length >= 3 && !this.redactions.includes(secret)) this.redactions.push(secret);
  }

  emit<K extends EventType>(type: K, payload: EventMap[K]): void {
    let event = { type, time: new Date().toISOString(), ...payload } as DplEvent;
    if (this.redactions.length) event = this.scrub(event);
    for (const l of [...this.listeners]) l(event);
  }

  /** Replace every registered secret in a string. */
  scrubText(text: string): string {
    let out = text;
    for (const s of this.redactions) out = out.split(s).join('***');
    return out;
  }

  private scrub(event: DplEvent): DplEvent {
    return JSON.parse(JSON.stringify(event), (_k, v) => (typeof v === 'string' ? this.scrubText(v) : v));
  }
}
