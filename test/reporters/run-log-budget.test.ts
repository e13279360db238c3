// The run log's budget keeps what says how the run went after other events stop: since
// a rollout's errors are typed events (not 'log' lines at level error), the budget must
// recognise them by their words' level.
import { describe, expect, it } from 'vitest';
import { RunLogBudget } from '../../src/reporters/run-log-budget.js';
import type { DplEvent } from '../../src/core/events.js';

const time = new Date().toISOString();
const batch = (state: 'start' | 'failed'): DplEvent => ({ type: 'rollout.batch', time, kind: 'rollout', batch: 2, of: 3, hosts: ['web-1'], state, release: 'R2', ...(state === 'failed' ? { reason: 'batch 2/3 (web-1): health check failed', detail: 'no answer' } : {}) });

describe('RunLogBudget', () => {
  it('once other events are cut, still writes a failed batch, a rollback that failed and the rollout end, but not a batch start', () => {
    const b = new RunLogBudget(1_000_000);
    // Fill the room of ordinary events.
    expect(b.admit({ type: 'rollout.plan', time, kind: 'rollout', batches: [['web-0']], shares: [null], dryRun: false }, 2_000_000)).toBe('first cut');
    expect(b.admit(batch('start'), 100)).toBe('cut');
    expect(b.admit(batch('failed'), 100)).toBe('write');
    expect(b.admit({ type: 'rollout.rollback', time, state: 'host', hosts: ['web-1'], host: 'web-1', ok: false, reason: 'r', detail: 'switch back failed' }, 100)).toBe('write');
    expect(b.admit({ type: 'rollout.rollback', time, state: 'start', hosts: ['web-1'], reason: 'r' }, 100)).toBe('cut');
    const end: DplEvent = { type: 'rollout.end', time, ok: true, release: 'R2', hosts: 1, batches: 1, durationMs: 1, report: { ok: true, release: 'R2', ref: 'main', sha: 'abc', batches: [], hosts: [], rolledBack: false, durationMs: 1 } };
    expect(b.admit(end, 100)).toBe('write');
  });
});
