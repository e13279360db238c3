// Run-log events for the report's unit tests, timed from a fixed start.
import type { LoggedEvent } from '../../src/report/load.js';

const T0 = Date.parse('2026-12-05T10:00:00.000Z');

export function ev(ms: number, type: string, fields: Record<string, unknown> = {}): LoggedEvent {
  return { type, time: new Date(T0 + ms).toISOString(), ...fields };
}

/** One host's lock → prepare → switch → restart → record, starting at `t`, each step `each` ms (prepare `prepare` ms). */
export function hostSteps(host: string, t: number, o: { each?: number; prepare?: number; from?: string; release?: string } = {}): LoggedEvent[] {
  const each = o.each ?? 100;
  const release = o.release ?? 'R2';
  const out: LoggedEvent[] = [];
  let now = t;
  for (const step of ['lock', 'prepare', 'switch', 'restart', 'record']) {
    const d = step === 'prepare' ? (o.prepare ?? each) : each;
    const extra = step === 'lock' ? {} : { release, ...(step === 'switch' && o.from ? { from: o.from } : {}) };
    out.push(ev(now, 'deploy.step', { host, step, state: 'start', ...extra }));
    now += d;
    out.push(ev(now, 'deploy.step', { host, step, state: 'end', durationMs: d, ...extra }));
  }
  out.push(ev(now, 'deploy.status', { host, release, status: 'deployed', from: o.from }));
  return out;
}

/** A plain deploy of R2 (from R1) to web-0..2, web-2 slow to prepare; ends ok. */
export function plainDeploy(): LoggedEvent[] {
  const steps = [...hostSteps('web-0', 100, { from: 'R1' }), ...hostSteps('web-1', 100, { from: 'R1' }), ...hostSteps('web-2', 100, { from: 'R1', prepare: 2000 })];
  steps.sort((a, b) => a.time.localeCompare(b.time));
  return [
    ev(0, 'run.start', { tasks: ['prod', 'deploy'], dryRun: false }),
    ev(90, 'deploy.resolved', { ref: 'main', kind: 'branch', sha: 'abcdef1234567890', subject: 'Fix fares', release: 'R2', by: 'ana@laptop' }),
    ev(95, 'deploy.outcome', { phase: 'start', release: 'R2', ref: 'main', sha: 'abcdef1234567890', hosts: ['web-0', 'web-1', 'web-2'], environment: 'production', flow: 'all' }),
    ...steps,
    ev(2600, 'deploy.outcome', { phase: 'success', release: 'R2', ref: 'main', sha: 'abcdef1234567890', hosts: ['web-0', 'web-1', 'web-2'], environment: 'production' }),
    ev(2700, 'run.end', { ok: true, durationMs: 2700, tasks: 2, hostsOk: [], hostsFailed: [] }),
  ];
}
