// Batch planning: which hosts go in which batch. Pure, so every rounding rule is
// unit-tested. Steps are cumulative ("1;50%;100%": one host, then up to half,
// then all); once the list is used up, the last step's size is added again
// until every host is done ("1;25%" on 8 hosts: 1, 2, 4, 6, 8). A weighted step
// ("10%w") is a batch of one more host that takes 10% of the traffic while it bakes
// (server weights, src/rollout/weights.ts); it cannot be last, as it does not repeat.
import { UsageError } from '../core/errors.js';

/** A count of hosts (`3`, `"3"`), a share of all target hosts (`"50%"`), or one host at a share of the traffic (`"10%w"`). */
export type PlanStep = number | string;

export const DEFAULT_PLAN: readonly PlanStep[] = [1, '50%', '100%'];

type Step = { kind: 'count'; n: number } | { kind: 'percent'; p: number } | { kind: 'weighted'; p: number };

/** One batch: host indices, and the share of traffic (percent) it takes while baking when weighted. */
export interface PlannedBatch {
  hosts: number[];
  share?: number;
}

const HINT = 'a plan is a list of host counts or percentages, cumulative: `plan=1;50%;100%` (canary, half, rest); `10%w` is one host at 10% of the traffic (HAProxy weights)';

/** Split a CLI or config plan into steps: `["1", "50%"]`, `"1;50%;100%"`, `[1, "50%"]`. */
export function planSteps(plan: readonly PlanStep[] | string): PlanStep[] {
  const raw = typeof plan === 'string' ? plan.split(/[;,\s]+/) : [...plan];
  const steps = raw.filter((s) => !(typeof s === 'string' && s.trim() === ''));
  if (steps.length === 0) throw new UsageError('rollout plan is empty', { code: 'config.invalid', hint: HINT });
  const parsed = steps.map(parseStep);
  if (parsed[parsed.length - 1]!.kind === 'weighted') {
    throw new UsageError(`rollout plan ends with the weighted step ${JSON.stringify(steps[steps.length - 1])}: a weighted step is one host and does not repeat`, {
      code: 'config.invalid',
      hint: 'follow it with the rest, e.g. `plan=10%w;50%;100%`',
    });
  }
  return steps;
}

function parseStep(step: PlanStep): Step {
  const bad = (why: string): never => {
    throw new UsageError(`rollout plan step ${JSON.stringify(step)} ${why}`, { code: 'config.invalid', hint: HINT });
  };
  if (typeof step === 'number') {
    if (!Number.isInteger(step) || step < 1) bad('must be a whole number of hosts, at least 1');
    return { kind: 'count', n: step };
  }
  const text = String(step).trim();
  const w = /^(.*)%w$/i.exec(text);
  if (w) {
    const p = /^\d+(?:\.\d+)?$/.test(w[1]!) ? Number(w[1]) : NaN;
    if (!(p > 0 && p < 100)) bad('is a weighted canary: its share of the traffic must be a number above 0 and below 100 (`10%w`)');
    return { kind: 'weighted', p };
  }
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (pct) {
    const p = Number(pct[1]);
    if (!(p > 0 && p <= 100)) bad('must be a percentage above 0 and at most 100');
    return { kind: 'percent', p };
  }
  if (!/^\d+$/.test(text)) bad('is neither a host count (3) nor a percentage (50%)');
  const n = Number(text);
  if (n < 1) bad('must be at least 1 host');
  return { kind: 'count', n };
}

/** The first weighted step (`"10%w"`) of a valid plan, if any: such a plan needs HAProxy. */
export function weightedStep(plan: readonly PlanStep[]): PlanStep | undefined {
  return plan.find((s) => parseStep(s).kind === 'weighted');
}

/** Hosts covered after a step, counted from the start (percentages round up, so 1% of 5 hosts is 1). */
function cumulative(step: Exclude<Step, { kind: 'weighted' }>, hostCount: number): number {
  const n = step.kind === 'count' ? step.n : Math.ceil((step.p / 100) * hostCount - 1e-9);
  return Math.min(hostCount, Math.max(1, n));
}

/**
 * Batches of host indices: `parsePlan("1;50%;100%", 6)` → `[[0], [1, 2], [3, 4, 5]]`.
 * Steps that add no host (10% of 5 after 1) are skipped; counts past the end are clamped.
 */
export function parsePlan(plan: readonly PlanStep[] | string, hostCount: number): number[][] {
  return planBatches(plan, hostCount).map((b) => b.hosts);
}

/** The batches with their traffic shares: `planBatches("10%w;100%", 3)` → `[{ hosts: [0], share: 10 }, { hosts: [1, 2] }]`. */
export function planBatches(plan: readonly PlanStep[] | string, hostCount: number): PlannedBatch[] {
  if (!Number.isInteger(hostCount) || hostCount < 0) throw new TypeError(`parsePlan: bad host count ${hostCount}`);
  const steps = planSteps(plan).map(parseStep);
  const batches: PlannedBatch[] = [];
  let done = 0;
  const add = (upTo: number, share?: number): void => {
    const end = Math.min(hostCount, upTo);
    if (end <= done) return;
    batches.push({ hosts: Array.from({ length: end - done }, (_, i) => done + i), ...(share !== undefined ? { share } : {}) });
    done = end;
  };
  for (const s of steps) {
    if (s.kind === 'weighted') add(done + 1, s.p);
    else add(cumulative(s, hostCount));
  }
  const last = steps[steps.length - 1] as Exclude<Step, { kind: 'weighted' }>;
  // Past the end of the list the last step is a batch size: `1;25%` adds a quarter each time.
  while (done < hostCount) add(done + cumulative(last, hostCount));
  return batches;
}

/** The same batches, of the items themselves. */
export function batchesOf<T>(items: readonly T[], plan: readonly PlanStep[] | string): T[][] {
  return parsePlan(plan, items.length).map((b) => b.map((i) => items[i]!));
}

/** "1 → 3 → 6 of 6 hosts" */
export function describePlan(batches: readonly (readonly unknown[])[]): string {
  let total = 0;
  const marks = batches.map((b) => (total += b.length));
  return `${marks.join(' → ')} of ${total} host${total === 1 ? '' : 's'}`;
}
