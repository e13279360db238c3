// Weighted canary end to end on the sshd bed: four hosts running the test app behind a
// real HAProxy (lb-0 over SSH), load through it, plan "10%w;50%;100%". The canary's
// share is counted at the app (each answer names its server) between "live" and the
// bake's end; the weights are read from HAProxy's runtime API before, during and after.
import { existsSync, renameSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, beforeEach, expect, it } from 'vitest';
import { describeBed, waitFor } from '../support/bed.js';
import { startLoad, type Load } from '../proxy/support/load.js';
import type { DplEvent } from '../../src/core/events.js';
import { RolloutError } from '../../src/rollout/index.js';
import { logs, ofType, WEB } from './support/harness.js';
import { behindHaproxy } from './support/behind-haproxy.js';
import { wordsOf } from '../helpers/words.js';

/** Weights before the rollouts: not all equal, so "restored" means restored. */
const BEFORE = { 'web-0': 1, 'web-1': 1, 'web-2': 2, 'web-3': 1 };

describeBed('weighted canary behind HAProxy on the sshd bed', (bed) => {
  const env = behindHaproxy(bed, 'w');
  const { current, currents } = env;
  const weights = async () => {
    const out: Record<string, number> = {};
    for (const h of WEB) out[h] = Number(/^(\d+) /.exec(await env.hx.command(`get weight app/${h}`))![1]);
    return out;
  };

  /** Requests each server answered (or failed) during batch 1's bake: from "live" to its promotion or failure. */
  function bakeWindow(load: Load) {
    const count = () => {
      const n: Record<string, number> = { ...load.report.byServer };
      for (const f of load.report.failures) {
        const m = /boom from (web-\d) (v[\d.]+)/.exec(f.error);
        if (m) n[`${m[1]} ${m[2]}`] = (n[`${m[1]} ${m[2]}`] ?? 0) + 1;
      }
      return n;
    };
    let start: Record<string, number> | undefined;
    let end: Record<string, number> | undefined;
    let during: Promise<Record<string, number>> | undefined;
    const onEvent = (e: DplEvent) => {
      if (e.type === 'rollout.batch' && e.batch === 1 && e.state === 'live') start = count();
      if (e.type === 'rollout.sample' && e.batch === 1) during ??= weights();
      if ((e.type === 'rollout.promote' && e.batch === 1) || (e.type === 'rollout.batch' && e.batch === 1 && e.state === 'failed')) end ??= count();
    };
    const share = () => {
      const delta = (k: string) => (end![k] ?? 0) - (start![k] ?? 0);
      const keys = Object.keys(end!);
      const canary = keys.filter((k) => k.startsWith('web-0 ')).reduce((s, k) => s + delta(k), 0);
      const all = keys.reduce((s, k) => s + delta(k), 0);
      if (process.env.DPL_ROLLOUT_TRACE) process.stderr.write(`canary share during the bake: ${canary} of ${all} = ${((100 * canary) / all).toFixed(1)}%\n`);
      return { canary, all, share: canary / all };
    };
    return { onEvent, share, during: () => during };
  }

  beforeAll(async () => {
    expect((await env.hx.command('set weight app/web-2 2')).trim()).toBe('');
    expect(await weights()).toEqual(BEFORE);
  });

  // A test that ends with `deploy.recover` has just restarted web-0 (this project's release tasks name
  // no LB, so nothing waited for it), and HAProxy may still hold idle connections to the app it replaced:
  // each test starts once every server is UP and a run of requests through HAProxy all succeed.
  beforeEach(async () => {
    await waitFor(async () => Object.values(await env.hx.statuses()).every((s) => s === 'UP'), 10_000);
    let inARow = 0;
    await waitFor(async () => {
      const r = await startLoad(env.hx.port, { workers: 1, maxRequests: 1 }).stop();
      inARow = r.total > 0 && !r.failures.length ? inARow + 1 : 0;
      return inARow >= 8;
    }, 10_000);
  });

  it('refuses a weighted step with nginx, and a bad share, before changing anything (usage errors)', async () => {
    const before = currents();
    env.p.proxy.driver = 'nginx';
    try {
      const r = await env.p.dpl(['rollout:v1.1.0,plan=10%w;50%;100%']);
      expect(r.error?.message).toBe('rollout plan step "10%w" is a weighted canary, which needs HAProxy: nginx has no runtime server weights');
      expect((r.error as { exitCode?: number }).exitCode).toBe(2);
    } finally {
      env.p.proxy.driver = 'haproxy';
    }
    const bad = await env.p.dpl(['rollout:v1.1.0,plan=100%w;100%']);
    expect(bad.error?.message).toMatch(/^rollout plan step "100%w" is a weighted canary: its share of the traffic must be a number above 0 and below 100/);
    expect((bad.error as { exitCode?: number }).exitCode).toBe(2);
    expect(currents()).toEqual(before);
    for (const h of WEB) expect(existsSync(path.join(env.p.paths[h]!, '.dpl-lock'))).toBe(false);
    expect(await weights()).toEqual(BEFORE);
  });

  it('a good release: the canary takes ≈10% of the requests while it bakes, is promoted, and every weight is back', async () => {
    const load = startLoad(env.hx.port, { workers: 4, maxMs: 90_000 });
    const w = bakeWindow(load);
    const r = await env.p.dpl(['rollout:v1.1.0,plan=10%w;50%;100%'], { onEvent: w.onEvent });
    const report = await load.stop();
    expect(r.error, r.error?.message).toBeUndefined();
    expect(report.failures).toEqual([]);

    expect(ofType(r.events, 'rollout.batch').filter((e) => e.state === 'start').map((e) => e.hosts)).toEqual([['web-0'], ['web-1'], ['web-2', 'web-3']]);
    expect(ofType(r.events, 'rollout.promote').map((e) => e.batch)).toEqual([1, 2, 3]);
    // HAProxy's weights during the bake: others live weight 4 scaled by 9 (9, 18, 9), the canary 4 → 4/40 = 10%.
    expect(await w.during()).toEqual({ 'web-0': 4, 'web-1': 9, 'web-2': 18, 'web-3': 9 });
    const { canary, all, share } = w.share();
    expect(all).toBeGreaterThan(100);
    expect(canary).toBeGreaterThan(0);
    expect(share, `${canary} of ${all}`).toBeGreaterThanOrEqual(0.05);
    expect(share, `${canary} of ${all}`).toBeLessThanOrEqual(0.15);
    // The bake judged the canary's own counters against the rest, as for whole hosts.
    const samples = ofType(r.events, 'rollout.sample').filter((s) => s.batch === 1);
    expect(samples.some((s) => s.verdict === 'pass')).toBe(true);
    const ratio = samples.reduce((s, x) => s + x.newRequests, 0) / samples.reduce((s, x) => s + x.newRequests + x.oldRequests, 0);
    expect(ratio).toBeGreaterThanOrEqual(0.05);
    expect(ratio).toBeLessThanOrEqual(0.15);
    const lines = logs(r.events, 'proxy');
    expect(lines.some((l) => /^\[lb-0\] weighted canary: app\/web-0 take 10% of backend app \(weights app\/web-0 4, app\/web-1 9, app\/web-2 18, app\/web-3 9\)$/.test(l))).toBe(true);
    expect(lines).toContain('[lb-0] weights restored: app/web-0 1, app/web-1 1, app/web-2 2, app/web-3 1');
    expect(logs(r.events).some((l) => l.includes('1: web-0 at 10% of the traffic'))).toBe(true);
    expect(await weights()).toEqual(BEFORE);
  });

  it('a bad release: the canary fails its bake at ≈10% of the traffic, is rolled back, and every weight is back', async () => {
    const before = currents();
    const load = startLoad(env.hx.port, { workers: 4, maxMs: 90_000 });
    const w = bakeWindow(load);
    const r = await env.p.dpl(['rollout:v1.4.0,plan=10%w;50%;100%'], { onEvent: w.onEvent });
    const report = await load.stop();
    expect(r.error).toBeInstanceOf(RolloutError);
    const err = r.error as RolloutError;
    expect(err.report.failure).toMatchObject({ check: 'error-rate', batch: 1, hosts: ['web-0'] });
    expect(err.report.rolledBack).toBe(true);
    expect(currents()).toEqual(before);
    expect(await w.during()).toEqual({ 'web-0': 4, 'web-1': 9, 'web-2': 18, 'web-3': 9 });
    const { canary, all, share } = w.share();
    expect(share, `${canary} of ${all}`).toBeGreaterThanOrEqual(0.03);
    expect(share, `${canary} of ${all}`).toBeLessThanOrEqual(0.15);
    // Only the canary's answers failed, and only about its share of them.
    expect(report.failures.length).toBeGreaterThan(0);
    expect(report.failures.every((f) => /^HTTP 500: boom from web-0 v1\.4\.0/.test(f.error))).toBe(true);
    expect(report.failures.length / report.total).toBeLessThan(0.15);
    expect(await weights()).toEqual(BEFORE);
  });

  it('--no-rollback: the failing canary is left out of rotation for inspection, and every weight is back', async () => {
    const before = currents();
    const load = startLoad(env.hx.port, { workers: 4, maxMs: 60_000 });
    const r = await env.p.dpl(['rollout:v1.4.0,plan=10%w;50%;100%'], { flags: { noRollback: true } });
    await load.stop();
    const err = r.error as RolloutError;
    expect(err).toBeInstanceOf(RolloutError);
    expect(err.report.rolledBack).toBe(false);
    expect(current('web-0')).not.toBe(before['web-0']);
    expect((await env.hx.admin())['web-0']).toBe('drain');
    expect(await weights()).toEqual(BEFORE);
    const rec = await env.p.dpl(['deploy.recover']);
    expect(rec.error).toBeUndefined();
    expect(currents()).toEqual(before);
    await env.hx.command('set server app/web-0 state ready');
  });

  it('Ctrl-C during the weighted bake: exit 130 and every weight is back', async () => {
    const before = currents();
    const stop = new AbortController();
    const load = startLoad(env.hx.port, { workers: 2, maxMs: 60_000 });
    const r = await env.p.dpl(['rollout:v1.1.0,plan=10%w;50%;100%'], {
      onEvent: (e) => {
        if (e.type === 'rollout.sample' && e.batch === 1) stop.abort();
      },
      signal: stop.signal,
    });
    await load.stop();
    const err = r.error as RolloutError;
    expect(err).toBeInstanceOf(RolloutError);
    expect(err.exitCode).toBe(130);
    expect(await weights()).toEqual(BEFORE);
    expect(logs(r.events, 'proxy')).toContain('[lb-0] weights restored: app/web-0 1, app/web-1 1, app/web-2 2, app/web-3 1');
    const rec = await env.p.dpl(['deploy.recover']);
    expect(rec.error).toBeUndefined();
    for (const h of WEB) expect(current(h), h).toBe(before[h]);
  });

  it('the weights cannot be set back at promotion (admin socket gone): the commands to run by hand, the rollout stops, exit 1; the canary, which passed its bake, stays live (a switch back without a drain would drop requests)', async () => {
    const before = currents();
    const gone = socketGoneAtPromotion();
    const load = startLoad(env.hx.port, { workers: 2, maxMs: 60_000 });
    let r;
    try {
      r = await env.p.dpl(['rollout:v1.1.0,plan=10%w;50%;100%'], { onEvent: gone.onEvent });
    } finally {
      gone.restore();
    }
    const report = await load.stop();
    const err = r.error as RolloutError;
    if (process.env.DPL_ROLLOUT_TRACE) process.stderr.write(`${err?.message}\nhint: ${err?.hint}\n${logs(r.events).join('\n')}\n`);
    expect(gone.happened).toBe(true);
    expect(err).toBeInstanceOf(RolloutError);
    expect(err.exitCode).toBe(1);
    const errors = wordsOf(r.events, { level: 'error', tags: false });
    expect(r.events.filter((e) => e.type === 'proxy.change' && e.action === 'weights-restore')).toMatchObject([{ lb: 'lb-0', error: expect.stringMatching(/cannot reach the HAProxy admin socket/) }]);
    const byHand = 'set weight app/web-0 1; set weight app/web-1 1; set weight app/web-2 2; set weight app/web-3 1';
    expect(errors).toContainEqual(expect.stringMatching(/^could not restore the HAProxy weights: .*cannot reach the HAProxy admin socket /));
    expect(errors.some((m) => m.endsWith(`; set them by hand on the runtime API: ${byHand}`))).toBe(true);
    // The headline names what failed, and the commands survive in the failure itself.
    expect(err.report.failure).toMatchObject({ check: 'weights-back', batch: 1, hosts: ['web-0'] });
    expect(err.message).toMatch(/^rollout of v1\.1\.0 as \S+ failed at batch 1\/3 \(web-0\): passed its bake, but the HAProxy server weights could not be set back\n/);
    expect(err.report.failure!.message).toBe(`could not set the HAProxy server weights back after the weighted canary; set them by hand on lb-0's runtime API: ${byHand}`);
    expect(err.message).toContain('nothing was rolled back');
    expect(err.message).not.toMatch(/ROLLBACK FAILED|\n\s+at .*\.js:\d+/);
    expect(err.hint).toMatch(/^set the weights back with the commands above once the load balancer answers; then take web-0 out of rotation \(on the runtime API: set server app\/web-0 state drain\), `.*deploy\.recover` switches web-0 back \(or roll out again, which does that first\), and `proxy\.all` puts it back in rotation$/);
    expect(err.report.rolledBack).toBe(false);
    // The LB cannot take it out of rotation either: it serves on, and the message says so.
    expect(logs(r.events)).toContainEqual(expect.stringMatching(/^it passed its bake: not rolling back web-0; left on \S+ for inspection \(web-0 still in rotation\); `.*deploy\.recover` rolls them back$/));
    // The canary serves on, at its canary weight; no request failed.
    expect(current('web-0')).not.toBe(before['web-0']);
    expect((await env.hx.admin())['web-0']).toBe('ready');
    expect(await weights()).toEqual({ 'web-0': 4, 'web-1': 9, 'web-2': 18, 'web-3': 9 });
    expect(report.failures).toEqual([]);
    // By hand, then back to where the file's other tests left things.
    await env.hx.command(byHand);
    expect(await weights()).toEqual(BEFORE);
    const rec = await env.p.dpl(['deploy.recover']);
    expect(rec.error, rec.error?.message).toBeUndefined();
    expect(currents()).toEqual(before);
  });
  it('weights-back when the release tasks name the proxy: the hint leaves the drain to `deploy.recover`, which drains web-0 before switching it back; 0 failed requests', async () => {
    const before = currents();
    // releaseTasks({ ..., proxy }): deploy.recover drains through it (the harness passes the proxy to the rollout alone otherwise).
    env.p.release.proxy = env.p.proxy;
    const gone = socketGoneAtPromotion();
    try {
      const r = await env.p.dpl(['rollout:v1.1.0,plan=10%w;50%;100%'], { onEvent: gone.onEvent });
      gone.restore();
      expect(gone.happened).toBe(true);
      const err = r.error as RolloutError;
      expect(err.report.failure).toMatchObject({ check: 'weights-back' });
      expect(err.hint).toMatch(/^set the weights back with the commands above once the load balancer answers; then `dpl -R web deploy\.recover` takes web-0 out of rotation, switches it back and restarts it \(or roll out again, which does that first\)$/);
      expect(err.hint).not.toMatch(/state drain/);
      expect((await env.hx.admin())['web-0']).toBe('ready');
      await env.hx.command('set weight app/web-0 1; set weight app/web-1 1; set weight app/web-2 2; set weight app/web-3 1');
      const load = startLoad(env.hx.port, { workers: 4, maxMs: 60_000 });
      const rec = await env.p.dpl(['deploy.recover']);
      const report = await load.stop();
      expect(rec.error, rec.error?.message).toBeUndefined();
      expect(ofType(rec.events, 'proxy.change').map((e) => `${e.action} ${e.changes.map((ch) => `${ch.server} ${ch.state}`).join(',')}`)).toEqual(['out web-0 drain', 'back web-0 ready']);
      expect(report.failures).toEqual([]);
      expect(currents()).toEqual(before);
    } finally {
      gone.restore();
      delete env.p.release.proxy;
    }
  });

  /**
   * No bake, so the weights are set back right after the canary is live; the admin socket goes
   * away just then (renamed, as if HAProxy's socket vanished). restore() puts both back, once.
   */
  function socketGoneAtPromotion(): { onEvent: (e: DplEvent) => void; restore(): void; readonly happened: boolean } {
    const bake = env.p.rollout.bake;
    env.p.rollout.bake = { ...bake, durationMs: 0 };
    const away = `${env.hx.adminSock}.away`;
    let moved = false;
    let happened = false;
    return {
      onEvent: (e) => {
        if (!happened && e.type === 'rollout.bake' && e.batch === 1 && e.state === 'off') {
          happened = moved = true;
          renameSync(env.hx.adminSock, away);
        }
      },
      restore() {
        if (moved) renameSync(away, env.hx.adminSock);
        moved = false;
        env.p.rollout.bake = bake;
      },
      get happened() {
        return happened;
      },
    };
  }
});
