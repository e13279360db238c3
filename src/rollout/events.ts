// Every rollout decision is a typed event (for --json, notifiers, the run log and
// the report); the words a person reads are in src/reporters/format/rollout.ts.
// `tell` only emits: no module here writes prose for the terminal.
import { internal } from '../core/internal.js';
import type { Context } from '../core/context-types.js';
import type { EventMap } from '../core/events.js';
import type { Sample } from './error-rate.js';
import type { RolloutReport } from './report.js';

/** A rollout of a release, or a rolling restart of the live one. */
export type RolloutKind = 'rollout' | 'restart';

/** What the bake did besides sampling (its samples are 'rollout.sample'). */
export type BakeNotice =
  /** bake.durationMs is 0. */
  | { batch: number; state: 'off' }
  /** The source has nothing to judge for this batch; `reason` is the source's own words. */
  | { batch: number; state: 'unavailable'; source: string; reason: string; lb: boolean }
  | {
      batch: number;
      state: 'start';
      source: string;
      durationMs: number;
      sampleMs: number;
      maxErrorRate: number;
      relativeFactor: number;
      minRequests: number;
      failedSamples: number;
      minConclusive: number;
      maxDurationMs: number;
    }
  /** Too few conclusive samples at durationMs: the bake samples on up to maxDurationMs. */
  | { batch: number; state: 'extend'; conclusive: number; samples: number; elapsedMs: number; minConclusive: number; maxDurationMs: number }
  /** A read of the counters failed; the next sample tries again. */
  | { batch: number; state: 'retry'; source: string; error: string }
  /** maxDurationMs ran out inconclusive and rollout.inconclusive is 'promote'. */
  | { batch: number; state: 'promote-inconclusive'; conclusive: number; samples: number; elapsedMs: number; minConclusive: number };

declare module '../core/events.js' {
  interface EventMap {
    /** The batches, before anything is contacted. */
    'rollout.plan': {
      kind: RolloutKind;
      /** rollout: "v1.2.0 (abc123def456)". */
      target?: string;
      batches: string[][];
      /** A weighted canary's share of the traffic per batch (null: a plain batch). */
      shares: Array<number | null>;
      dryRun: boolean;
    };
    /** No proxy config: batches stay in rotation; `bakeSource` is the bake's own source, if any. */
    'rollout.no-lb': { kind: RolloutKind; bakeSource?: string };
    /** The bake source's check before the rollout (`message` is the source's words). */
    'rollout.source': { source: string; ok: boolean; message: string };
    'rollout.bake': BakeNotice;
    'rollout.batch': {
      kind: RolloutKind;
      /** 1-based. */
      batch: number;
      of: number;
      hosts: string[];
      state: 'start' | 'live' | 'failed';
      release: string;
      /** live: the batch went back into rotation (there is a load balancer). */
      rotation?: boolean;
      /** failed: which check, "batch 2/3 (web-1): error rate too high" (a rollout's). */
      reason?: string;
      /** failed: what went wrong. */
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
      /** The same failing answer as the attempt before (a node still booting). */
      repeat: boolean;
      attempts: number;
      elapsedMs: number;
      giveUpMs: number;
    };
    // A bake sample's judgement, with its two windows flattened to counts.
    'rollout.sample': Omit<Sample, 'index' | 'fresh' | 'old'> & {
      batch: number;
      sample: number;
      newRequests: number;
      newErrors: number;
      oldRequests: number;
      oldErrors: number;
      /** Failed samples that roll back (bake.failedSamples). */
      failedSamples: number;
    };
    'rollout.promote': { batch: number; of: number; hosts: string[]; release: string; samples: number; conclusive: number; failed: number };
    'rollout.rollback': {
      state: 'start' | 'host' | 'end' | 'skipped';
      hosts: string[];
      reason: string;
      host?: string;
      ok?: boolean;
      /** The release a host went back to. */
      to?: string;
      /** skipped: '--no-rollback', 'interrupted' or 'it passed its bake' (weights could not be set back); host: why its rollback failed. */
      detail?: string;
      /** host: back in rotation too (there is a load balancer). */
      rotation?: boolean;
      /** skipped (left for inspection): the release they stay on, the live hosts taken out of rotation (or still in it: the LB refused), the command that rolls them back. */
      release?: string;
      takenOut?: string[];
      stillInRotation?: string[];
      recover?: string;
    };
    'rollout.end': { ok: boolean; release: string; hosts: number; batches: number; durationMs: number; report: RolloutReport };
    // The end of a rolling restart (rolling-restart.ts): its batches, and the hosts it left out of rotation.
    'rollout.restart': { ok: boolean; batches: string[][]; drained: string[]; failedBatch?: number; durationMs: number };
    /** A load balancer or rollback step that failed on the way out; the rollout's outcome says the rest. */
    'rollout.problem': { action: 'take-out' | 'put-back' | 'rollback'; hosts: string[]; error: string };
  }
}

export type RolloutEvent =
  | 'rollout.plan'
  | 'rollout.no-lb'
  | 'rollout.source'
  | 'rollout.bake'
  | 'rollout.batch'
  | 'rollout.health'
  | 'rollout.sample'
  | 'rollout.promote'
  | 'rollout.rollback'
  | 'rollout.end'
  | 'rollout.restart'
  | 'rollout.problem';

/** Emit a rollout decision (its words: src/reporters/format/rollout.ts). */
export function tell<K extends RolloutEvent>(c: Context, type: K, payload: EventMap[K]): void {
  internal(c).emit(type, payload);
}
