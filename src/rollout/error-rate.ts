// Judging a bake from cumulative counters. Pure: the bake loop feeds it snapshots
// from its source (HAProxy's `show stat`, or Prometheus: sources/), it answers pass / fail / inconclusive per sample.
//   rate = Δ(hrsp_5xx + eresp + econ) / Δrequests
// A sample fails when the new nodes saw at least `minRequests` and their rate is
// above max(maxErrorRate, relativeFactor × the old nodes' rate); fewer requests is
// inconclusive (the window then grows until it is conclusive). A new node DOWN
// fails at once. `failedSamples` failed samples end the bake with a rollback.
// `bakeStep` decides when the bake ends: after `durationMs` once `minConclusive`
// samples were conclusive, else it samples on up to `maxDurationMs`, then gives up.

/** Cumulative counters of one server (`backend/server`), summed over every LB. */
export interface ServerCounters {
  requests: number;
  errors: number;
  /** The LB reports it DOWN (on any LB). */
  down: boolean;
}

export type Snapshot = ReadonlyMap<string, ServerCounters>;

export interface Window {
  requests: number;
  errors: number;
}

export interface BakeLimits {
  minRequests: number;
  /** Absolute limit, 0..1. */
  maxErrorRate: number;
  /** The new nodes may have this many times the old nodes' rate (when above the absolute limit). */
  relativeFactor: number;
  /** Failed samples that trigger a rollback. */
  failedSamples: number;
}

export type Verdict = 'pass' | 'fail' | 'inconclusive';

export interface Sample {
  index: number;
  verdict: Verdict;
  /** The new nodes' window (since the last conclusive sample). */
  fresh: Window;
  /** The old nodes' window (same span). */
  old: Window;
  /** fresh.errors / fresh.requests; null when no request reached them. */
  rate: number | null;
  /** null when the old nodes saw fewer than minRequests (then only the absolute limit applies). */
  oldRate: number | null;
  limit: number;
  /** New servers the LB reports DOWN. */
  down: string[];
  /** Failed samples so far in this bake (this one included). */
  failed: number;
  /** True when this sample ends the bake with a rollback. */
  rollback: boolean;
  reason: string;
}

/** One server's counters from a `show stat` row: requests are req_tot (HTTP), else stot (sessions). */
export function countersOf(row: Readonly<Record<string, string>>): ServerCounters {
  const n = (k: string): number => {
    const v = Number(row[k]);
    return row[k] !== undefined && row[k] !== '' && Number.isFinite(v) ? v : 0;
  };
  const requests = row.req_tot !== undefined && row.req_tot !== '' ? n('req_tot') : n('stot');
  const status = (row.status ?? '').trim();
  return { requests, errors: n('hrsp_5xx') + n('eresp') + n('econ'), down: /^DOWN\b/.test(status) };
}

/** Sum of Δ over `keys`; undefined when a counter went backwards (an HAProxy reload or an app restart reset it). */
export function windowOf(from: Snapshot, to: Snapshot, keys: readonly string[]): Window | undefined {
  const w: Window = { requests: 0, errors: 0 };
  for (const k of keys) {
    const a = from.get(k) ?? { requests: 0, errors: 0, down: false };
    const b = to.get(k);
    if (!b) continue;
    const dr = b.requests - a.requests;
    const de = b.errors - a.errors;
    if (dr < 0 || de < 0) return undefined;
    w.requests += dr;
    w.errors += de;
  }
  return w;
}

export function percent(rate: number | null): string {
  return rate === null ? 'n/a' : `${(Math.round(rate * 1000) / 10).toFixed(1)}%`;
}

/** The verdict on one window, without the DOWN rule or the count of failures. */
export function judgeWindow(fresh: Window, old: Window, limits: BakeLimits): Pick<Sample, 'verdict' | 'rate' | 'oldRate' | 'limit' | 'reason'> {
  const rate = fresh.requests > 0 ? fresh.errors / fresh.requests : null;
  const oldRate = old.requests >= limits.minRequests ? old.errors / old.requests : null;
  const limit = Math.max(limits.maxErrorRate, limits.relativeFactor * (oldRate ?? 0));
  const nums = `${fresh.errors} errors in ${fresh.requests} requests = ${percent(rate)}, limit ${percent(limit)}` +
    (oldRate === null ? (old.requests ? ` (old nodes: only ${old.requests} requests)` : '') : ` (old nodes ${percent(oldRate)} of ${old.requests})`);
  if (fresh.requests < limits.minRequests) {
    return { verdict: 'inconclusive', rate, oldRate, limit, reason: `only ${fresh.requests} requests reached the new nodes (need ${limits.minRequests}): ${nums}` };
  }
  if (rate! > limit) return { verdict: 'fail', rate, oldRate, limit, reason: `error rate too high: ${nums}` };
  return { verdict: 'pass', rate, oldRate, limit, reason: nums };
}

/** How long a bake lasts and what makes it conclusive (see `bakeStep`). */
export interface BakeWindow {
  durationMs: number;
  /** The bake samples on while inconclusive, up to this long. */
  maxDurationMs: number;
  /** Conclusive samples (pass or fail) a batch needs before it may be promoted. */
  minConclusive: number;
}

/**
 * What the bake does after a sample, `elapsedMs` into it with `conclusive` conclusive samples:
 * - `sample`: within durationMs, sample again;
 * - `extend`: durationMs is over but too few samples were conclusive, sample again;
 * - `done`: durationMs is over with enough evidence (the caller promotes);
 * - `inconclusive`: maxDurationMs is over without it (the caller stops, or promotes if told to).
 */
export type BakeStep = 'sample' | 'extend' | 'done' | 'inconclusive';

export function bakeStep(elapsedMs: number, conclusive: number, w: BakeWindow): BakeStep {
  const enough = conclusive >= w.minConclusive;
  if (elapsedMs < w.durationMs) return 'sample';
  if (enough) return 'done';
  return elapsedMs < w.maxDurationMs ? 'extend' : 'inconclusive';
}

/** When the next sample is due: a sample period on, but never past the deadline that applies now. */
export function nextSampleDelay(elapsedMs: number, sampleMs: number, step: 'sample' | 'extend', w: BakeWindow): number {
  const deadline = step === 'sample' ? w.durationMs : w.maxDurationMs;
  return Math.max(0, Math.min(sampleMs, deadline - elapsedMs));
}

/** Feed it snapshots in order; it keeps the window start and the failure count. */
export class BakeJudge {
  private start: Snapshot;
  private failed = 0;
  private index = 0;
  private decided = 0;

  constructor(
    private readonly freshKeys: readonly string[],
    private readonly oldKeys: readonly string[],
    private readonly limits: BakeLimits,
    start: Snapshot,
    /** Servers whose DOWN fails the bake at once (default: the new ones); include earlier batches too. */
    private readonly watchKeys: readonly string[] = freshKeys,
  ) {
    this.start = start;
  }

  get failures(): number {
    return this.failed;
  }

  /** Samples so far, and how many of them were conclusive (pass or fail). */
  get samples(): number {
    return this.index;
  }

  get conclusive(): number {
    return this.decided;
  }

  observe(snap: Snapshot): Sample {
    this.index++;
    const down = [...new Set([...this.freshKeys, ...this.watchKeys])].filter((k) => snap.get(k)?.down);
    const fresh = windowOf(this.start, snap, this.freshKeys);
    const old = windowOf(this.start, snap, this.oldKeys);
    if (down.length) {
      this.failed++;
      this.decided++;
      const w = fresh ?? { requests: 0, errors: 0 };
      const rate = w.requests ? w.errors / w.requests : null;
      return { index: this.index, verdict: 'fail', fresh: w, old: old ?? { requests: 0, errors: 0 }, rate, oldRate: null, limit: this.limits.maxErrorRate, down, failed: this.failed, rollback: true, reason: `the load balancer reports ${down.join(', ')} DOWN` };
    }
    if (!fresh || !old) {
      this.start = snap;
      return { index: this.index, verdict: 'inconclusive', fresh: { requests: 0, errors: 0 }, old: { requests: 0, errors: 0 }, rate: null, oldRate: null, limit: this.limits.maxErrorRate, down, failed: this.failed, rollback: false, reason: 'the counters went back (HAProxy reloaded, or an app restarted?); starting a new window' };
    }
    const j = judgeWindow(fresh, old, this.limits);
    if (j.verdict !== 'inconclusive') {
      this.start = snap;
      this.decided++;
    }
    if (j.verdict === 'fail') this.failed++;
    return { index: this.index, ...j, fresh, old, down, failed: this.failed, rollback: this.failed >= this.limits.failedSamples };
  }
}
