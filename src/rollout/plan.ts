// Batch planning: which hosts go in which batch. Pure, so every rounding rule is
// unit-tested. Steps are cumulative ("1;50%;100%": one host, then up to half,
// then all); once the list is used up, the last step's size is added again
// until every host is done ("1;25%" on 8 hosts: 1, 2, 4, 6, 8).
import { UsageError } from '../core/errors.js';

/** A count of hosts (`3`, `"3"`) or a share of all target hosts (`"50%"`). */
export type PlanStep = number | string;

export const DEFAULT_PLAN: readonly PlanStep[] = [1, '50%', '100%'];

type Step = { kind: 'count'; n: number } | { kind: 'percent'; p: number };

const HINT = 'a plan is a list of host counts or percentages, cumulative: `plan=1;50%;100%` (canary, half, rest)';

/** Split a CLI or config plan into steps: `["1", "50%"]`, `"1;50%;100%"`, `[1, "50%"]`. */
export function planSteps(plan: readonly PlanStep[] | string): PlanStep[] {
  const raw = typeof plan === 'string' ? plan.split(/[;,\s]+/) : [...plan];
  const steps = raw.filter((s) => !(typeof s === 'string' && s.trim() === ''));
  if (steps.length === 0) throw new UsageError('rollout plan is empty', { hint: HINT });
  for (const s of steps) parseStep(s);
  return steps;
}

function parseStep(step: PlanStep): Step {
  const bad = (why: string): never => {
    throw new UsageError(`rollout plan step ${JSON.stringify(step)} ${why}`, { hint: HINT });
  };
  if (typeof step === 'number') {
    if (!Number.isInteger(step) || step < 1) bad('must be a whole number of hosts, at least 1');
    return { kind: 'count', n: step };
  }
  const text = String(step).trim();
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

/** Hosts covered after a step, counted from the start (percentages round up, so 1% of 5 hosts is 1). */
function cumulative(step: Step, hostCount: number): number {
  const n = step.kind === 'count' ? step.n : Math.ceil((step.p / 100) * hostCount - 1e-9);
  return Math.min(hostCount, Math.max(1, n));
}

/**
 * Batches of host indices: `parsePlan("1;50%;100%", 6)` → `[[0], [1, 2], [3, 4, 5]]`.
 * Steps that add no host (10% of 5 after 1) are skipped; counts past the end are clamped.
 */
export function parsePlan(plan: readonly PlanStep[] | string, hostCount: number): number[][] {
  if (!Number.isInteger(hostCount) || hostCount < 0) throw new TypeError(`parsePlan: bad host count ${hostCount}`);
  const steps = planSteps(plan).map(parseStep);
  const batches: number[][] = [];
  let done = 0;
  const add = (upTo: number): void => {
    const end = Math.min(hostCount, upTo);
    if (end <= done) return;
    batches.push(Array.from({ length: end - done }, (_, i) => done + i));
    done = end;
  };
  for (const s of steps) add(cumulative(s, hostCount));
  const last = steps[steps.length - 1]!;
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
