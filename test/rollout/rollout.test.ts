// Rollouts end to end on the real sshd bed: four hosts running the test app behind
// a real HAProxy (reached as lb-0 over SSH), continuous load through it, the
// rollout driven in-process through the real grammar/executor (see support/harness.ts).
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeBed } from '../support/bed.js';
import { until } from '../proxy/support/backends.js';
import { startLoad } from '../proxy/support/load.js';
import { RolloutError } from '../../src/rollout/index.js';
import { startErrors } from '../support/rollout-app.js';
import { logs, ofType, WEB } from './support/harness.js';
import { behindHaproxy } from './support/behind-haproxy.js';
import { offSchema } from '../helpers/words.js';

describeBed('rollouts behind HAProxy on the sshd bed', (bed) => {
  // The old release everywhere, the plain way; then HAProxy in front of it.
  const env = behindHaproxy(bed, 'main');
  const { current, currents, version, history } = env;
  const releases = (h: string) => readdirSync(path.join(env.p.paths[h]!, 'releases')).sort();
  const allReady = async () => {
    expect(await env.hx.admin()).toEqual(Object.fromEntries(WEB.map((h) => [h, 'ready'])));
    expect(await env.hx.statuses()).toEqual(Object.fromEntries(WEB.map((h) => [h, 'UP'])));
  };

  it('refuses a prod rollout without a terminal or --yes, changing nothing', async () => {
    const before = currents();
    const r = await env.p.dpl(['prod', 'rollout:v1.1.0'], { flags: { yes: false } });
    expect(r.error?.message).toMatch(/refusing to start a rollout to prod without confirmation: there is no terminal/);
    expect((r.error as { hint?: string }).hint).toMatch(/--yes/);
    expect(currents()).toEqual(before);
    for (const h of WEB) expect(existsSync(path.join(env.p.paths[h]!, '.dpl-lock'))).toBe(false);
    // Asked on a terminal and answered no: same.
    const asked: string[] = [];
    const no = await env.p.dpl(['prod', 'rollout:v1.1.0'], { flags: { yes: false }, prompter: { interactive: true, secret: async () => '', confirm: async (q) => (asked.push(q), false) } });
    expect(no.error?.message).toMatch(/not confirmed; nothing was changed/);
    expect(asked[0]).toMatch(/^Roll out v1\.1\.0 \([0-9a-f]{12}\) to 4 hosts in prod, batches 1 → 2 → 4 of 4 hosts\?$/);
  });

  it('refuses a plan whose batch would take every live server out, before changing anything', async () => {
    const before = currents();
    const r = await env.p.dpl(['rollout:v1.1.0,plan=100%']);
    expect(r.error?.message).toMatch(/rollout plan 100% would leave a backend with no live server:\n  - batch 1: backend app would have no live server \(others: none\)/);
    expect((r.error as { exitCode?: number }).exitCode).toBe(2);
    expect(currents()).toEqual(before);
    for (const h of WEB) expect(existsSync(path.join(env.p.paths[h]!, '.dpl-lock'))).toBe(false);
  });

  it('(c) a healthy release goes canary → half → rest under load with zero failed requests', async () => {
    const old = currents();
    const load = startLoad(env.hx.port, { workers: 4, maxMs: 60_000 });
    const r = await env.p.dpl(['rollout:v1.1.0']);
    const report = await load.stop();
    expect(r.error, r.error?.message).toBeUndefined();
    expect(report.failures).toEqual([]);
    expect(report.total).toBeGreaterThan(100);

    const starts = ofType(r.events, 'rollout.batch').filter((e) => e.state === 'start').map((e) => e.hosts);
    expect(starts).toEqual([['web-0'], ['web-1'], ['web-2', 'web-3']]);
    expect(ofType(r.events, 'rollout.promote').map((e) => e.batch)).toEqual([1, 2, 3]);
    const samples = ofType(r.events, 'rollout.sample');
    expect(samples.length).toBeGreaterThanOrEqual(6);
    expect(samples.filter((s) => s.verdict === 'fail')).toEqual([]);
    expect(samples.some((s) => s.verdict === 'pass' && s.newRequests >= 10 && s.rate === 0)).toBe(true);
    expect(ofType(r.events, 'rollout.health').filter((e) => e.outcome === 'passed').map((e) => e.host).sort()).toEqual(WEB);
    expect(ofType(r.events, 'rollout.end')[0]!.report.ok).toBe(true);
    // Every decision is a typed event carrying what its words show; none is a 'log' line.
    expect(r.events.filter((e) => e.type === 'log' && e.topic === 'rollout')).toEqual([]);
    expect(offSchema(r.events)).toEqual([]);
    expect(ofType(r.events, 'rollout.plan')).toMatchObject([{ kind: 'rollout', batches: [['web-0'], ['web-1'], ['web-2', 'web-3']], shares: [null, null, null], dryRun: false }]);
    expect(ofType(r.events, 'rollout.batch').filter((e) => e.state === 'live').map((e) => [e.kind, e.batch, e.of, e.rotation])).toEqual([
      ['rollout', 1, 3, true],
      ['rollout', 2, 3, true],
      ['rollout', 3, 3, true],
    ]);
    expect(ofType(r.events, 'rollout.promote')[2]).toMatchObject({ batch: 3, hosts: ['web-2', 'web-3'], failed: 0 });
    expect(ofType(r.events, 'rollout.bake').filter((e) => e.state === 'start').map((e) => e.batch)).toEqual([1, 2, 3]);
    expect(ofType(r.events, 'rollout.end')[0]).toMatchObject({ ok: true, hosts: 4, batches: 3 });
    // And a readable line, rendered by the reporters' formats.
    const lines = logs(r.events);
    expect(lines).toContain('batch 1/3: web-0 (canary)');
    expect(lines.some((l) => /^batch 1 sample \d: pass: 0 errors in \d+ requests = 0\.0%, limit 5\.0%/.test(l))).toBe(true);
    expect(lines.some((l) => l.startsWith('batch 3/3 promoted (web-2, web-3)'))).toBe(true);

    const release = ofType(r.events, 'rollout.end')[0]!.release;
    for (const h of WEB) {
      expect(current(h)).toBe(release);
      expect(current(h)).not.toBe(old[h]);
      expect(version(h)).toBe('v1.1.0');
      expect(history(h).at(-1)).toMatchObject({ release, status: 'deployed', tag: 'v1.1.0' });
      expect(report.byServer[`${h} v1.1.0`]).toBeGreaterThan(0);
    }
    await allReady();
  });

  it('(a) an unhealthy release stops at the canary: rolled back, back in rotation, nothing else touched', async () => {
    const before = currents();
    const releasesBefore = Object.fromEntries(WEB.map((h) => [h, releases(h)]));
    const load = startLoad(env.hx.port, { workers: 4, maxMs: 60_000 });
    const r = await env.p.dpl(['rollout:v1.2.0,plan=1;50%;100%']);
    const report = await load.stop();
    expect(r.error).toBeInstanceOf(RolloutError);
    const err = r.error as RolloutError;
    expect(err.message).toMatch(/failed at batch 1\/3 \(web-0\): health check failed/);
    expect(err.message).toMatch(/web-0: GET http:\/\/127\.0\.10\.1:\d+\/health via web-0 → 503 Service Unavailable/);
    expect(err.message).toMatch(/every moved host was rolled back/);
    expect(err.message).toMatch(/web-1 +2 +\d{8}T\d{6}Z +ready +untouched/);
    expect(err.report.failure).toMatchObject({ check: 'health', batch: 1, hosts: ['web-0'] });
    expect(err.report.rolledBack).toBe(true);
    expect(report.failures).toEqual([]);

    expect(currents()).toEqual(before);
    expect(version('web-0')).toBe('v1.1.0');
    // Only the canary was prepared; its release stays, marked failed.
    for (const h of ['web-1', 'web-2', 'web-3']) expect(releases(h)).toEqual(releasesBefore[h]);
    expect(releases('web-0').length).toBe(releasesBefore['web-0']!.length + 1);
    expect(history('web-0').at(-1)).toMatchObject({ status: 'failed', tag: 'v1.2.0' });
    expect(ofType(r.events, 'rollout.batch').filter((e) => e.state === 'start')).toHaveLength(1);
    expect(ofType(r.events, 'rollout.health').some((e) => e.host === 'web-0' && e.outcome === 'gave-up' && e.detail.startsWith('503'))).toBe(true);
    expect(ofType(r.events, 'rollout.rollback').map((e) => e.state)).toEqual(['start', 'host', 'end']);
    await allReady();
  });

  it('(b) errors after going live roll back every moved host, and the errors stop', async () => {
    const before = currents();
    const load = startLoad(env.hx.port, { workers: 4, maxMs: 60_000 });
    const started = Date.now();
    // The canary bakes clean; once it is promoted the new release starts failing half its requests.
    const r = await env.p.dpl(['rollout:v1.3.0'], {
      onEvent: (e) => {
        if (e.type === 'rollout.promote' && e.batch === 1) startErrors(Object.values(env.p.paths));
      },
    });
    const endedAt = Date.now() - started;
    await new Promise((res) => setTimeout(res, 1500));
    const report = await load.stop();

    expect(r.error).toBeInstanceOf(RolloutError);
    const err = r.error as RolloutError;
    expect(err.message).toMatch(/failed at batch 2\/3 \(web-1\): error rate too high/);
    expect(err.message).toMatch(/2 of \d+ samples over the limit; the last: error rate too high: \d+ errors in \d+ requests = (4\d|5\d)\.\d%, limit 5\.0%/);
    expect(err.report.failure).toMatchObject({ check: 'error-rate', batch: 2, hosts: ['web-1'] });
    expect(err.report.failure!.numbers).toMatchObject({ limit: 0.05, failedSamples: 2 });
    expect(err.report.hosts.filter((h) => h.phase === 'rolled-back').map((h) => h.host)).toEqual(['web-0', 'web-1']);
    expect(ofType(r.events, 'rollout.sample').filter((s) => s.batch === 2 && s.verdict === 'fail').length).toBe(2);
    const back = ofType(r.events, 'rollout.rollback').filter((e) => e.state === 'host').map((e) => e.host);
    expect(back).toEqual(['web-1', 'web-0']);

    expect(currents()).toEqual(before);
    for (const h of WEB) expect(version(h)).toBe('v1.1.0');
    expect(history('web-0').at(-1)).toMatchObject({ status: 'failed', tag: 'v1.3.0' });
    // Errors happened while the bad release was live, only 500s from it, and none after the rollback.
    expect(report.failures.length).toBeGreaterThan(0);
    expect(report.failures.every((f) => /^HTTP 500: boom from web-[01] v1\.3\.0/.test(f.error))).toBe(true);
    expect(report.failures.filter((f) => f.at > endedAt)).toEqual([]);
    expect(report.total).toBeGreaterThan(100);
    await allReady();
  });

  it('without a load balancer: batches with health checks only, no drain and no bake', async () => {
    const r = await env.p.dpl(['rollout-nolb:v1.1.0,plan=2']);
    expect(r.error, r.error?.message).toBeUndefined();
    expect(ofType(r.events, 'rollout.batch').filter((e) => e.state === 'start').map((e) => e.hosts)).toEqual([['web-0', 'web-1'], ['web-2', 'web-3']]);
    expect(ofType(r.events, 'rollout.sample')).toEqual([]);
    expect(logs(r.events)).toContain('no proxy config: batches are not taken out of rotation and not baked (health checks only)');
    const targets = ofType(r.events, 'rollout.health').filter((e) => e.outcome === 'passed').map((e) => e.target);
    expect(targets).toContain(`GET http://${bed.hosts['web-3']!.address}:${env.port}/health via web-3`);
    const release = ofType(r.events, 'rollout.end')[0]!.release;
    for (const h of WEB) expect([current(h), version(h)]).toEqual([release, 'v1.1.0']);
    await until('every server UP again', async () => Object.values(await env.hx.statuses()).every((st) => st === 'UP'));
  });

  it('--no-rollback stops at the failure and leaves the canary as it is, out of rotation', async () => {
    const before = currents();
    const r = await env.p.dpl(['rollout:v1.2.0'], { flags: { noRollback: true } });
    const err = r.error as RolloutError;
    expect(err).toBeInstanceOf(RolloutError);
    expect(err.report.rolledBack).toBe(false);
    expect(err.message).toMatch(/nothing was rolled back/);
    // Their journals keep the rollout: the next dpl command (deploy.recover) switches them back.
    expect(err.hint).toMatch(/`dpl -R web deploy\.recover` switches them back/);
    expect(version('web-0')).toBe('v1.2.0');
    for (const h of ['web-1', 'web-2', 'web-3']) expect(current(h)).toBe(before[h]);
    expect((await env.hx.admin())['web-0']).toBe('drain');
    expect(err.report.hosts.find((h) => h.host === 'web-0')).toMatchObject({ phase: 'left', rotation: expect.stringMatching(/^drain/) });
    for (const h of WEB) expect(existsSync(path.join(env.p.paths[h]!, '.dpl-lock'))).toBe(false);
    // The canary kept its journal (an unjudged canary recovers back): deploy.recover switches it back.
    expect(existsSync(path.join(env.p.paths['web-0']!, '.dpl-journal.json'))).toBe(true);
    const rec = await env.p.dpl(['deploy.recover']);
    expect(rec.error).toBeUndefined();
    expect(current('web-0')).toBe(before['web-0']);
    for (const h of WEB) expect(existsSync(path.join(env.p.paths[h]!, '.dpl-journal.json')), h).toBe(false);
    await env.hx.command('set server app/web-0 state ready');
  });

  it("Ctrl-C during a batch's bake: exit 130, the batch left as it is, and deploy.recover undoes it", async () => {
    const before = currents();
    const stop = new AbortController();
    const r = await env.p.dpl(['rollout:v1.1.0'], {
      onEvent: (e) => {
        if (e.type === 'rollout.batch' && e.state === 'live' && e.batch === 1) stop.abort();
      },
      signal: stop.signal,
    });
    const err = r.error as RolloutError;
    expect(err).toBeInstanceOf(RolloutError);
    expect(err.exitCode).toBe(130);
    expect(err.report.failure?.check).toBe('interrupted');
    expect(err.report.hosts.find((h) => h.host === 'web-0')).toMatchObject({ phase: 'left' });
    expect(existsSync(path.join(env.p.paths['web-0']!, '.dpl-journal.json'))).toBe(true);
    for (const h of WEB) expect(existsSync(path.join(env.p.paths[h]!, '.dpl-lock')), h).toBe(false);
    const rec = await env.p.dpl(['deploy.recover']);
    expect(rec.error).toBeUndefined();
    for (const h of WEB) expect(current(h), h).toBe(before[h]);
  });
});
