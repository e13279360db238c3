// Where a bake's counters come from. A source is a value in the rollout config
// (`bake: { source: prometheus({...}) }`); HAProxy's per-server counters are the
// default one. For each batch it opens a reader: which snapshot keys are the
// batch's, which are moved (never the baseline), and a way to read a snapshot. The
// BakeJudge (error-rate.ts) judges the snapshots the same way whatever their source.
import type { Context } from '../../core/context-types.js';
import type { Host } from '../../core/host.js';
import { DplError } from '../../core/errors.js';
import type { Snapshot } from '../error-rate.js';
import type { RolloutLb } from '../lb.js';

/** What a source gets for one batch's bake. */
export interface BakeBatch {
  c: Context;
  /** The batch being baked. */
  batch: readonly Host[];
  /** Every host on the new release so far, the batch included. */
  moved: readonly Host[];
  /** Every host of the rollout; those not moved are the baseline. */
  hosts: readonly Host[];
  /** The rollout's load balancers, when it has a proxy config. */
  lb?: RolloutLb;
  /** The proxy config's driver, when there is one. */
  driver?: string;
}

export interface BakeReader {
  /** Snapshot keys of the batch's counters. */
  fresh: string[];
  /** Keys of every moved host (their DOWN fails the bake; they are never the baseline). The rest of a snapshot is the baseline. */
  moved: string[];
  /** Cumulative counters now. Throws BakeSourceError (or any error: counted as a failed read). */
  read(): Promise<Snapshot>;
}

export interface BakeSource {
  /** What messages call it: "HAProxy's counters", "Prometheus at http://…". */
  readonly name: string;
  /** A reader for one batch, or why this source cannot judge it (then the batch gets no bake, with a warning). */
  open(b: BakeBatch): BakeReader | { none: string };
  /**
   * Before anything changes: can it be read at all? Throws (a UsageError for a query the
   * source rejects) so a broken config stops the rollout before the canary; else a line to show.
   */
  check?(c: Context, hosts: readonly Host[]): Promise<{ message: string; warn: boolean }>;
}

/**
 * A read that failed. `permanent` (a query Prometheus rejects, a wrong URL): reading
 * again cannot help, so the bake stops at once; otherwise (unreachable, a timeout)
 * three failures in a row stop it. Either way the batch is not promoted.
 */
export class BakeSourceError extends DplError {
  constructor(message: string, readonly permanent: boolean, options?: { hint?: string; cause?: unknown }) {
    super(message, { ...options, code: 'bake.source' });
  }
}
