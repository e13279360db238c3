// Typed events from the executor and the domain modules. Reporters (pretty, json,
// run log) subscribe; nothing else writes to the terminal. Domain modules add
// their own events by augmenting `EventMap`:
//   declare module '../core/events.js' { interface EventMap { 'proxy.change': {...} } }
import { Secrets } from './secrets.js';
import type { ErrorCode } from './error-codes.js';

/** One commit in a deploy.pending summary. */
export interface PendingCommit {
  sha: string;
  subject: string;
}

/** Hosts on the same live release and commit, and what a deploy of the target would change for them. */
export interface PendingGroup {
  hosts: string[];
  /** The live release (undefined: nothing live yet). */
  release?: string;
  tag?: string;
  /** The live commit (REVISION, else the history's record). */
  sha?: string;
  /** ahead: target is newer; same: nothing new; downgrade: target is older; diverged: neither contains the other;
   *  first: nothing live; unknown: the live commit cannot be compared here; unreadable: the host could not be read. */
  relation: 'ahead' | 'same' | 'downgrade' | 'diverged' | 'first' | 'unknown' | 'unreadable';
  /** Commits the target adds (newest first, capped) and how many in all. */
  added: PendingCommit[];
  addedCount: number;
  /** Commits the target would remove (a downgrade or diverged history). */
  removed: PendingCommit[];
  removedCount: number;
  /** Files that differ between live and target. */
  files: number;
  /** Migration files the target adds, and ones it lacks that live has (a downgrade). */
  migrations: string[];
  migrationsRemoved: string[];
  /** Why it cannot be compared, or that an earlier deploy did not finish there. */
  note?: string;
}

/** One host's failure in run.end. */
export interface RunFailure {
  host: string;
  code: ErrorCode;
  message: string;
  hint?: string;
}

export interface EventMap {
  /** `schema`: the version of schema/events.v<N>.json this stream follows (docs/ci.md says when it changes). */
  'run.start': { tasks: string[]; dryRun: boolean; schema: 1 };
  'run.end': {
    ok: boolean;
    durationMs: number;
    tasks: number;
    hostsOk: string[];
    hostsFailed: string[];
    error?: string;
    /** What to do next, as the error's hint says (the run log keeps it: the terminal's copy is gone). */
    hint?: string;
    /** The error's stable code (docs/errors.md); `unknown` for an error that is not dpl's. */
    code?: ErrorCode;
    /** The host the error is about (a HostError's), not part of `error`'s text. */
    host?: string;
    /** Each host's failure, when the run ended on a task that failed on hosts (HostsFailedError). */
    failures?: RunFailure[];
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
  'host.end': { task: string; host: string; ok: boolean; skipped?: boolean; error?: string; code?: ErrorCode; durationMs: number };
  'command.start': { host: string; command: string; kind: 'run' | 'sudo' | 'local'; full?: string };
  'command.end': { host: string; command: string; code: number | null; signal: string | null; durationMs: number };
  'transfer': { host: string; direction: 'put' | 'get'; local: string; remote: string; bytes: number; files: number };
  'output': { host: string; stream: 'out' | 'err'; line: string };
  /** What deploying `target` would ship to each group of hosts (deploy.pending, and before a confirmed deploy). */
  'deploy.pending': { target: { ref: string; tag?: string; sha: string; subject: string }; groups: PendingGroup[] };
  'log': { host?: string; level: 'info' | 'warn' | 'error' | 'debug'; message: string; topic?: string; data?: Record<string, unknown> };
}

export type EventType = keyof EventMap;
export type DplEvent = { [K in EventType]: { type: K; time: string } & EventMap[K] }[EventType];
export type Listener = (event: DplEvent) => void;

/** Fan-out of events to reporters; one per run. */
export class EventBus {
  /** Replaced, never changed in place: emit() walks the array it started with, without a copy per event. */
  private listeners: readonly Listener[] = [];

  /** `secrets`: the process's registry (the CLI's, shared with its error boundary); default a fresh one. */
  constructor(readonly secrets: Secrets = new Secrets()) {}

  on(listener: Listener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners = this.listeners.filter((_, j) => j !== i);
    };
  }

  /** Secrets registered here are replaced by *** in every event before any listener sees it (3 characters or more). */
  redact(secret: string): void {
    this.secrets.add(secret);
  }

  emit<K extends EventType>(type: K, payload: EventMap[K]): void {
    let event = { type, time: this.now(), ...payload } as DplEvent;
    if (this.secrets.size) event = this.scrub(event);
    for (const l of this.listeners) l(event);
  }

  /** The time as toISOString() gives it, formatted once per millisecond: a run at scale emits dozens of events in one. */
  private now(): string {
    const ms = Date.now();
    if (ms !== this.stampMs) {
      this.stampMs = ms;
      this.stamp = new Date(ms).toISOString();
    }
    return this.stamp;
  }
  private stampMs = -1;
  private stamp = '';

  /** Replace every registered secret in a string. */
  scrubText(text: string): string {
    return this.secrets.scrub(text);
  }

  /** A JSON value with every registered secret replaced in its strings: a copy if one occurs, else the value itself. */
  scrub<T>(value: T): T {
    if (!this.secrets.size || value === undefined) return value;
    const json = JSON.stringify(value);
    if (!this.secrets.inJson(json)) return value;
    return JSON.parse(json, (_k, v) => (typeof v === 'string' ? this.scrubText(v) : v)) as T;
  }
}
