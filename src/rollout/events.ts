// Every rollout decision is a typed event (for --json and notifiers) plus a 'log'
// event with topic 'rollout' carrying the same decision in words (the pretty
// reporter prints 'log' events). `tell` emits both, so they never drift apart.
import { internal } from '../core/internal.js';
import type { Context } from '../core/context-types.js';
import type { EventMap } from '../core/events.js';
import type { Sample } from './error-rate.js';
import type { RolloutReport } from './report.js';

declare module '../core/events.js' {
  interface EventMap {
    'rollout.batch': {
      /** 1-based. */
      batch: number;
      of: number;
      hosts: string[];
      state: 'start' | 'live' | 'failed';
      release: string;
      detail?: string;
    };
    'rollout.health': {
      host: string;
      phase: 'deploy' | 'rollback' | 'restart';
      ok: boolean;
      /** Good answers in a row so far. */
      passes: number;
      need: number;
      /** "GET http://127.0.10.1:8080/health via web-0" */
      target: string;
      /** "200 OK", "503 Service Unavailable", "cannot connect: connection refused". */
      detail: string;
      /** 'passed' or 'gave-up' on the last attempt of a check. */
      outcome?: 'passed' | 'gave-up';
    };
    // A bake sample's judgement, with its two windows flattened to counts.
    'rollout.sample': Omit<Sample, 'index' | 'fresh' | 'old'> & {
      batch: number;
      sample: number;
      newRequests: number;
      newErrors: number;
      oldRequests: number;
      oldErrors: number;
    };
    'rollout.promote': { batch: number; of: number; hosts: string[]; release: string; samples: number; conclusive: number };
    'rollout.rollback': {
      state: 'start' | 'host' | 'end' | 'skipped';
      hosts: string[];
      reason: string;
      host?: string;
      ok?: boolean;
      /** The release a host went back to. */
      to?: string;
      detail?: string;
    };
    'rollout.end': { ok: boolean; release: string; report: RolloutReport };
    // The end of a rolling restart (rolling-restart.ts): its batches, and the hosts it left out of rotation.
    'rollout.restart': { ok: boolean; batches: string[][]; drained: string[]; failedBatch?: number };
  }
}

export type RolloutEvent = 'rollout.batch' | 'rollout.health' | 'rollout.sample' | 'rollout.promote' | 'rollout.rollback' | 'rollout.end' | 'rollout.restart';

/** The typed event, then the same decision as a readable 'log' line (topic 'rollout'). */
export function tell<K extends RolloutEvent>(
  c: Context,
  type: K,
  payload: EventMap[K],
  message: string,
  o: { level?: EventMap['log']['level']; host?: string } = {},
): void {
  internal(c).emit(type, payload);
  internal(c).emit('log', { host: o.host, level: o.level ?? 'info', topic: 'rollout', message, data: { event: type } });
}

/** A plain 'log' line of the rollout (no typed event). */
export function note(c: Context, message: string, level: EventMap['log']['level'] = 'info', host?: string): void {
  internal(c).emit('log', { host, level, topic: 'rollout', message });
}
