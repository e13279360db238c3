// The report's model from run-log events: per-host spans and the slow host, the
// rollout's batches and samples, traffic changes, problems and the outcome.
import { describe, expect, it } from 'vitest';
import { buildModel, markSlow, type HostRow } from '../../src/report/model.js';
import { ev, hostSteps, plainDeploy } from './events.js';

describe('report model', () => {
  it('per-host spans in step order, with before → after, and who / what / where', () => {
    const m = buildModel(plainDeploy());
    expect(m.hosts.map((h) => h.host)).toEqual(['web-0', 'web-1', 'web-2']);
    const web0 = m.hosts[0]!;
    expect(web0.spans.map((s) => [s.step, s.startMs, s.endMs, s.state])).toEqual([
      ['lock', 100, 200, 'ok'],
      ['prepare', 200, 300, 'ok'],
      ['switch', 300, 400, 'ok'],
      ['restart', 400, 500, 'ok'],
      ['record', 500, 600, 'ok'],
    ]);
    expect(web0).toMatchObject({ from: 'R1', to: 'R2', status: 'deployed', busyMs: 500 });
    expect(m.deploy).toMatchObject({ ref: 'main', release: 'R2', by: 'ana@laptop', environment: 'production', sha: 'abcdef1234567890' });
    expect(m.tasks).toEqual(['prod', 'deploy']);
    expect(m.durationMs).toBe(2700);
    expect(m.outcome).toEqual({ ok: true, headline: 'release R2 is live on 3 hosts', error: undefined, hint: undefined });
  });

  it('marks the one host well above the others as slow, and only it', () => {
    const m = buildModel(plainDeploy());
    expect(m.hosts.filter((h) => h.slow).map((h) => h.host)).toEqual(['web-2']);
    expect(m.hosts[2]!.busyMs).toBe(2400);
  });

  it('no slow host when they are close, or alone', () => {
    const rows = (ms: number[]): HostRow[] => ms.map((busyMs, i) => ({ host: `h${i}`, spans: [], busyMs, slow: false }));
    const close = rows([500, 520, 610]);
    markSlow(close);
    expect(close.some((r) => r.slow)).toBe(false);
    // 1.5× the median but only 150 ms more: noise on a fast deploy.
    const tiny = rows([300, 300, 450]);
    markSlow(tiny);
    expect(tiny.some((r) => r.slow)).toBe(false);
    const one = rows([9000]);
    markSlow(one);
    expect(one[0]!.slow).toBe(false);
  });

  it('compares a host only with hosts that went through the same steps (a failed canary against hosts that only locked)', () => {
    const span = (step: string, ms: number) => ({ step, startMs: 0, endMs: ms, state: 'ok' as const });
    const canary: HostRow = { host: 'web-0', spans: [span('lock', 300), span('prepare', 300), span('switch', 100), span('restart', 600), span('record', 100)], busyMs: 1400, slow: false };
    const locked = (host: string): HostRow => ({ host, spans: [span('lock', 300)], busyMs: 300, slow: false });
    const failed = [canary, locked('web-1'), locked('web-2')];
    markSlow(failed);
    expect(failed.some((r) => r.slow)).toBe(false);
  });

  it('a failed step keeps its error; a step that never ended is open; an end without a start is placed by its duration', () => {
    const m = buildModel([
      ev(0, 'run.start', { tasks: ['deploy'], dryRun: false }),
      ev(10, 'deploy.step', { host: 'a', step: 'lock', state: 'start' }),
      ev(50, 'deploy.step', { host: 'a', step: 'lock', state: 'end', durationMs: 40 }),
      ev(60, 'deploy.step', { host: 'a', step: 'prepare', state: 'start' }),
      ev(90, 'deploy.step', { host: 'a', step: 'prepare', state: 'failed', durationMs: 30, error: 'disk full' }),
      ev(70, 'deploy.step', { host: 'b', step: 'prepare', state: 'start' }),
      ev(400, 'deploy.step', { host: 'c', step: 'switch', state: 'end', durationMs: 100 }),
    ]);
    const [a, b, c] = m.hosts;
    expect(a!.spans[1]).toMatchObject({ step: 'prepare', state: 'failed', error: 'disk full', startMs: 60, endMs: 90 });
    expect(b!.spans[0]).toMatchObject({ step: 'prepare', state: 'open' });
    expect(c!.spans[0]).toMatchObject({ step: 'switch', startMs: 300, endMs: 400, state: 'ok' });
    expect(m.problems).toContainEqual(expect.objectContaining({ level: 'error', host: 'a', message: 'prepare failed: disk full' }));
    expect(m.outcome.ok).toBeUndefined();
    expect(m.outcome.headline).toContain('did not finish');
  });

  it("a rollout's batches, samples and checks gap; traffic changes from the proxy's events", () => {
    const m = buildModel([
      ev(0, 'run.start', { tasks: ['deploy'], dryRun: false }),
      ev(10, 'rollout.batch', { batch: 1, of: 2, hosts: ['web-0'], state: 'start', release: 'R2' }),
      ...hostSteps('web-0', 20).filter((e) => e['step'] !== 'record'),
      ev(450, 'log', { host: 'lb-0', level: 'info', topic: 'proxy', message: 'back in rotation', data: { changes: [{ backend: 'app', server: 'web-0', state: 'ready' }] } }),
      ev(460, 'log', { host: 'lb-0', level: 'info', topic: 'proxy', message: 'nothing', data: { changes: [] } }),
      ev(500, 'rollout.batch', { batch: 1, of: 2, hosts: ['web-0'], state: 'live', release: 'R2' }),
      ev(1000, 'rollout.sample', { batch: 1, sample: 1, verdict: 'pass', rate: 0.002, limit: 0.01, newRequests: 500, newErrors: 1, reason: 'ok' }),
      ev(1500, 'rollout.sample', { batch: 1, sample: 2, verdict: 'inconclusive', rate: null, limit: 0.01, newRequests: 2, newErrors: 0, reason: 'few' }),
      ev(2000, 'rollout.promote', { batch: 1, of: 2, hosts: ['web-0'], release: 'R2', samples: 2, conclusive: 1 }),
      ev(2000, 'deploy.step', { host: 'web-0', step: 'record', state: 'start', release: 'R2' }),
      ev(2010, 'deploy.step', { host: 'web-0', step: 'record', state: 'end', durationMs: 10, release: 'R2' }),
      ev(2020, 'rollout.batch', { batch: 2, of: 2, hosts: ['web-1'], state: 'start', release: 'R2' }),
      ev(3000, 'rollout.batch', { batch: 2, of: 2, hosts: ['web-1'], state: 'failed', release: 'R2', detail: 'health check failed' }),
      ev(3500, 'run.end', { ok: false, durationMs: 3500, error: 'rollout failed', hint: 'fix it and roll out again' }),
    ]);
    expect(m.batches).toEqual([
      { batch: 1, of: 2, hosts: ['web-0'], state: 'promoted', startMs: 10, endMs: 2000, samples: 2, conclusive: 1 },
      { batch: 2, of: 2, hosts: ['web-1'], state: 'failed', startMs: 2020, endMs: 3000, detail: 'health check failed', samples: 0 },
    ]);
    expect(m.samples.map((s) => [s.batch, s.sample, s.rate, s.verdict])).toEqual([
      [1, 1, 0.002, 'pass'],
      [1, 2, null, 'inconclusive'],
    ]);
    const checks = m.hosts[0]!.spans.find((s) => s.step === 'checks');
    expect(checks).toMatchObject({ startMs: 420, endMs: 2000 });
    // The gate is not the host's own time.
    expect(m.hosts[0]!.busyMs).toBe(410);
    expect(m.traffic).toEqual([{ atMs: 450, lb: 'lb-0', message: 'back in rotation', changes: [{ backend: 'app', server: 'web-0', state: 'ready' }] }]);
    expect(m.outcome).toMatchObject({ ok: false, error: 'rollout failed', hint: 'fix it and roll out again', headline: 'the run failed' });
  });

  it("traffic changes and problems from the typed 'proxy.change' and rollout events, in the terminal's words", () => {
    const m = buildModel([
      ev(0, 'run.start', { tasks: ['rollout'], dryRun: false }),
      ev(100, 'proxy.change', { lb: 'lb-0', endpoint: '/run/haproxy/admin.sock', action: 'out', changes: [{ backend: 'app', server: 'web-0', state: 'drain', from: 'ready' }] }),
      ev(200, 'proxy.change', { lb: 'lb-0', endpoint: '/run/haproxy/admin.sock', action: 'weights', changes: [], weights: [{ backend: 'app', server: 'web-1', weight: 3, from: 1 }], canary: ['app/web-0'], percent: 10, shares: { app: 10 } }),
      ev(300, 'proxy.change', { lb: 'lb-0', endpoint: '/run/haproxy/admin.sock', action: 'maintenance', changes: [], maintenance: { on: true, backends: ['app'], already: false } }),
      ev(400, 'rollout.batch', { kind: 'rollout', batch: 1, of: 2, hosts: ['web-0'], state: 'failed', release: 'R2', reason: 'batch 1/2 (web-0): health check failed', detail: 'no 2 good answers' }),
      ev(500, 'rollout.problem', { action: 'take-out', hosts: ['web-0'], error: 'socket gone' }),
      // A malformed event (a hand-edited log) is skipped, not fatal.
      ev(600, 'rollout.batch', { state: 'failed' }),
    ]);
    expect(m.traffic).toEqual([
      { atMs: 100, lb: 'lb-0', message: 'out of rotation: app/web-0 → drain', changes: [{ backend: 'app', server: 'web-0', state: 'drain' }] },
      { atMs: 200, lb: 'lb-0', message: 'weighted canary: app/web-0 take 10% of backend app (weights app/web-1 3)', changes: [{ backend: 'app', server: 'web-1', state: 'weight 3' }] },
      { atMs: 300, lb: 'lb-0', message: 'maintenance on for app', changes: [{ backend: 'app', server: '*', state: 'maintenance on' }] },
    ]);
    expect(m.problems).toEqual([
      { level: 'error', atMs: 400, host: undefined, message: 'batch 1/2 (web-0): health check failed: no 2 good answers' },
      { level: 'warn', atMs: 500, host: undefined, message: 'could not take web-0 out of rotation: socket gone' },
    ]);
  });

  it('a host rolled back by the rollout says so, not just that the new release failed', () => {
    const m = buildModel([
      ...hostSteps('web-0', 0, { from: 'R1' }).filter((e) => e['step'] !== 'record' && e.type !== 'deploy.status'),
      ev(900, 'rollout.rollback', { state: 'host', hosts: ['web-0'], host: 'web-0', ok: true, reason: 'rollout stopped', to: 'R1' }),
      ev(950, 'deploy.status', { host: 'web-0', release: 'R2', status: 'failed', reason: 'rolled back by the rollout' }),
    ]);
    expect(m.hosts[0]).toMatchObject({ from: 'R1', to: 'R1', status: 'rolled back' });
  });

  it('an empty log gives an empty model, not an error', () => {
    const m = buildModel([]);
    expect(m).toMatchObject({ hosts: [], batches: [], samples: [], traffic: [], problems: [], deploy: undefined });
  });
});
