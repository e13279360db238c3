// Issue #19 item 3: a bake judged by Prometheus, for a fleet behind nginx (which has
// no per-server counters). On the real bed: four sshd hosts running an app that
// counts its requests with the sandbox app's metrics module, a real nginx on the LB
// host driven by dpl's nginx driver, a real Prometheus scraping every app's
// /metrics every 250 ms, and load sent through nginx for the whole rollout.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeBed } from '../support/bed.js';
import { startBedNginx, type BedNginx } from '../support/bed-nginx.js';
import { prometheusFront, prometheusMissing, startPrometheus, type Prometheus } from '../support/prometheus.js';
import { freePort, sleep } from '../proxy/support/backends.js';
import { RolloutError, prometheus } from '../../src/rollout/index.js';
import type { BakeConfig } from '../../src/rollout/config.js';
import type { DplEvent } from '../../src/core/events.js';
import { DplError, UsageError } from '../../src/core/errors.js';
import { appRepo, restartHook, stopApps, type AppRepo } from '../support/rollout-app.js';
import { logs, ofType, project, WEB, type Project } from './support/harness.js';
import { warningsOf } from '../helpers/words.js';

const missing = prometheusMissing();

describeBed('a Prometheus-judged bake behind nginx (#19 item 3)', (bed) => {
  if (missing) return void describe.skip(missing, () => undefined);
  let repo: AppRepo;
  let ng: BedNginx;
  let prom: Prometheus;
  let p: Project;
  let port: number;

  const version = (h: string) => readFileSync(path.join(p.paths[h]!, 'current', 'VERSION'), 'utf8').trim();
  const versions = () => WEB.map((h) => version(h));
  const warnings = (events: DplEvent[]) => warningsOf(events);
  const queries = {
    requests: 'sum(http_requests_total{host=~"$hosts"})',
    errors: 'sum(http_requests_total{host=~"$hosts",code=~"5.."})',
  };
  const BAKE: BakeConfig = { durationMs: 2000, sampleMs: 500, minRequests: 5, maxErrorRate: 0.05, relativeFactor: 2, failedSamples: 2, maxDurationMs: 8000 };

  /** Requests through nginx, or round-robin to `urls` (~40/s), while `fn` runs: the traffic a bake judges. */
  async function underLoad<T>(fn: () => Promise<T>, urls?: string[]): Promise<{ value: T; sent: number; failed: number }> {
    let stop = false;
    let sent = 0;
    let failed = 0;
    const load = (async () => {
      while (!stop) {
        try {
          const res = await fetch(urls ? urls[sent % urls.length]! : `http://127.0.0.1:${ng.port}/`);
          await res.text();
          if (res.status >= 500) failed++;
        } catch {
          failed++;
        }
        sent++;
        await sleep(25);
      }
    })();
    try {
      return { value: await fn(), sent, failed };
    } finally {
      stop = true;
      await load;
    }
  }

  beforeAll(async () => {
    repo = appRepo({ uid: bed.uid, gid: bed.gid });
    port = await freePort('127.0.10.1');
    p = project(bed, `prom-${process.pid}`, repo.work, port, '(nginx)', { restart: restartHook(port) });
    const first = await p.dpl(['deploy:v1.0.0']);
    expect(first.error, first.error?.message).toBeUndefined();
    const targets = WEB.map((h) => `${bed.hosts[h]!.address}:${port}`);
    ng = await startBedNginx(bed, WEB.map((h, i) => ({ name: h, address: targets[i]! })));
    prom = await startPrometheus(targets);
    await prom.ready();
    // The project's task reads these objects at each run: nginx in front, health on the app's port.
    delete p.proxy.haproxy;
    Object.assign(p.proxy, { driver: 'nginx', nginx: ng.config });
    p.rollout.health = { ...p.rollout.health, port, hostVar: 'appAddress' };
  }, 60_000);

  afterAll(async () => {
    if (p) stopApps(Object.values(p.paths));
    await prom?.stop();
    await ng?.stop();
    if (p) for (const d of Object.values(p.paths)) rmSync(d, { recursive: true, force: true });
    repo?.cleanup();
  });

  it('before: nginx with the default (HAProxy) source gets no bake, and a release answering 500 reaches every host', async () => {
    p.rollout.bake = { ...BAKE };
    const r = await underLoad(() => p.dpl(['rollout:v1.4.0']));
    expect(r.value.error, r.value.error?.message).toBeUndefined();
    expect(warnings(r.value.events).filter((m) => m.includes('the nginx driver has no per-server counters, so no bake'))).toHaveLength(3);
    expect(ofType(r.value.events, 'rollout.sample')).toEqual([]);
    expect(versions()).toEqual(['v1.4.0', 'v1.4.0', 'v1.4.0', 'v1.4.0']);
    expect(r.failed).toBeGreaterThan(0);
  }, 60_000);

  it('a good release: every batch is judged on Prometheus, passes and is promoted', async () => {
    p.rollout.bake = { ...BAKE, source: prometheus({ url: prom.url, ...queries }) };
    const r = await underLoad(() => p.dpl(['rollout:v1.1.0']));
    expect(r.value.error, r.value.error?.message).toBeUndefined();
    const lines = logs(r.value.events);
    expect(lines.filter((l) => /^batch \d: baking for 2 s on Prometheus at http:\/\/127\.0\.0\.1:\d+, a sample every 0\.5 s/.test(l))).toHaveLength(3);
    const samples = ofType(r.value.events, 'rollout.sample');
    expect(samples.some((s) => s.verdict === 'fail')).toBe(false);
    for (const batch of [1, 2, 3]) expect(samples.filter((s) => s.batch === batch && s.verdict === 'pass').length, `batch ${batch}`).toBeGreaterThanOrEqual(2);
    // The canary's window counts its own requests only: about a quarter of the load, with the rest as the baseline.
    const canary = samples.find((s) => s.batch === 1 && s.verdict === 'pass')!;
    expect(canary.newRequests).toBeGreaterThanOrEqual(5);
    expect(canary.oldRequests).toBeGreaterThan(canary.newRequests);
    expect(ofType(r.value.events, 'rollout.promote').map((e) => e.batch)).toEqual([1, 2, 3]);
    expect(versions()).toEqual(['v1.1.0', 'v1.1.0', 'v1.1.0', 'v1.1.0']);
  }, 90_000);

  it("a release answering 500: Prometheus's counts fail the canary, every moved host is rolled back", async () => {
    p.rollout.bake = { ...BAKE, source: prometheus({ url: prom.url, ...queries }) };
    const r = await underLoad(() => p.dpl(['rollout:v1.4.0']));
    const err = r.value.error as RolloutError;
    expect(err, 'exit 0: the errors were not judged').toBeInstanceOf(RolloutError);
    expect(err.exitCode).toBe(1);
    expect(err.report.failure).toMatchObject({ check: 'error-rate', batch: 1, hosts: ['web-0'] });
    expect(err.report.failure!.numbers).toMatchObject({ failedSamples: 2 });
    expect(err.report.failure!.numbers!.rate).toBe(1);
    expect(err.report.failure!.numbers!.oldRate).toBe(0);
    expect(err.message).toMatch(/error rate too high: \d+ errors in \d+ requests = 100\.0%, limit 5\.0% \(old nodes 0\.0% of \d+\)/);
    expect(err.report.rolledBack).toBe(true);
    expect(ofType(r.value.events, 'rollout.promote')).toEqual([]);
    expect(versions()).toEqual(['v1.1.0', 'v1.1.0', 'v1.1.0', 'v1.1.0']);
    expect(ng.upstream()).not.toMatch(/ down;/);
  }, 90_000);

  it('a query Prometheus rejects is refused before anything changes (exit 2), naming the query', async () => {
    p.rollout.bake = { ...BAKE, source: prometheus({ url: prom.url, requests: 'sum(http_requests_total{host=~"$hosts"}', errors: queries.errors }) };
    const r = await p.dpl(['rollout:v1.4.0']);
    const err = r.error as UsageError;
    expect(err).toBeInstanceOf(UsageError);
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(
      /^rollout: the bake cannot read Prometheus at http:\/\/127\.0\.0\.1:\d+, so nothing was changed: Prometheus rejected the query sum\(http_requests_total\{host=~"web-0\|web-1\|web-2\|web-3"\}: bad_data: invalid parameter "query": 1:\d+: parse error: unclosed left parenthesis$/,
    );
    expect(err.hint).toMatch(/fix bake\.source/);
    expect(ofType(r.events, 'rollout.batch')).toEqual([]);
    expect(versions()).toEqual(['v1.1.0', 'v1.1.0', 'v1.1.0', 'v1.1.0']);
  }, 60_000);

  it('Prometheus unreachable: refused before anything changes (exit 1), naming the address and the query', async () => {
    const closed = await freePort();
    p.rollout.bake = { ...BAKE, source: prometheus({ url: `http://127.0.0.1:${closed}`, ...queries, timeoutMs: 1000 }) };
    const r = await p.dpl(['rollout:v1.4.0']);
    expect(r.error).toBeInstanceOf(DplError);
    expect((r.error as DplError).exitCode).toBe(1);
    expect(r.error!.message).toBe(
      `rollout: the bake cannot read Prometheus at http://127.0.0.1:${closed}, so nothing was changed: cannot reach Prometheus at http://127.0.0.1:${closed} (ECONNREFUSED) for the query sum(http_requests_total{host=~"web-0|web-1|web-2|web-3"})`,
    );
    expect(ofType(r.events, 'rollout.batch')).toEqual([]);
    expect(versions()).toEqual(['v1.1.0', 'v1.1.0', 'v1.1.0', 'v1.1.0']);
  }, 60_000);

  it('Prometheus gone in the middle of the bake: two warnings, then the canary is not promoted but rolled back', async () => {
    const front = await prometheusFront(prom.url);
    p.rollout.bake = { ...BAKE, source: prometheus({ url: front.url, ...queries, timeoutMs: 1000 }) };
    const onEvent = (e: DplEvent) => {
      if (e.type === 'rollout.bake' && e.batch === 1 && e.state === 'start') front.mode = 'down';
    };
    let r;
    try {
      r = await underLoad(() => p.dpl(['rollout:v1.4.0'], { onEvent }));
    } finally {
      await front.close();
    }
    const err = r.value.error as RolloutError;
    expect(err).toBeInstanceOf(RolloutError);
    expect(err.report.failure).toMatchObject({ check: 'counters', batch: 1, hosts: ['web-0'] });
    expect(err.message).toMatch(/^rollout of v1\.4\.0 as \S+ failed at batch 1\/3 \(web-0\): the bake could not read its counters \(the release was not judged\)\n/);
    expect(err.hint).toMatch(/^the release was not judged, only rolled back: make the bake source readable again/);
    expect(err.report.failure!.message).toMatch(new RegExp(`^cannot read Prometheus at ${front.url.replace(/\./g, '\\.')}: cannot reach Prometheus at .* for the query sum\\(http_requests_total\\{host=~"web-0"\\}\\)$`));
    expect(warnings(r.value.events).filter((m) => /^batch 1: could not read Prometheus at .*; trying again$/.test(m))).toHaveLength(2);
    expect(ofType(r.value.events, 'rollout.promote')).toEqual([]);
    expect(err.report.rolledBack).toBe(true);
    expect(versions()).toEqual(['v1.1.0', 'v1.1.0', 'v1.1.0', 'v1.1.0']);
  }, 60_000);

  it('a query rejected in the middle of the bake stops it at once, no retry', async () => {
    const front = await prometheusFront(prom.url);
    p.rollout.bake = { ...BAKE, source: prometheus({ url: front.url, ...queries }) };
    const onEvent = (e: DplEvent) => {
      if (e.type === 'rollout.bake' && e.batch === 1 && e.state === 'start') front.mode = 'garble';
    };
    let r;
    try {
      r = await underLoad(() => p.dpl(['rollout:v1.4.0'], { onEvent }));
    } finally {
      await front.close();
    }
    const err = r.value.error as RolloutError;
    expect(err).toBeInstanceOf(RolloutError);
    expect(err.report.failure).toMatchObject({ check: 'counters', batch: 1 });
    expect(err.report.failure!.message).toMatch(/^cannot read Prometheus at .*: Prometheus rejected the query sum\(http_requests_total\{host=~"web-0"\}\): bad_data: /);
    expect(warnings(r.value.events).filter((m) => m.includes('trying again'))).toEqual([]);
    expect(ofType(r.value.events, 'rollout.sample')).toEqual([]);
    expect(err.report.rolledBack).toBe(true);
    expect(versions()).toEqual(['v1.1.0', 'v1.1.0', 'v1.1.0', 'v1.1.0']);
  }, 60_000);

  it('no proxy config at all: health checks only, but still a bake on Prometheus (traffic reaches the hosts another way)', async () => {
    p.rollout.bake = { ...BAKE, source: prometheus({ url: prom.url, ...queries }) };
    // Straight to each host's app: nginx would stop sending to a node it saw refuse a connection during its restart.
    const r = await underLoad(() => p.dpl(['rollout-nolb:v1.0.0']), WEB.map((h) => `http://${bed.hosts[h]!.address}:${port}/`));
    expect(r.value.error, r.value.error?.message).toBeUndefined();
    expect(warnings(r.value.events)).toContain(`no proxy config: batches are not taken out of rotation and are baked on Prometheus at ${prom.url}`);
    const samples = ofType(r.value.events, 'rollout.sample');
    for (const batch of [1, 2, 3]) expect(samples.filter((s) => s.batch === batch && s.verdict === 'pass').length, `batch ${batch}`).toBeGreaterThanOrEqual(2);
    expect(versions()).toEqual(['v1.0.0', 'v1.0.0', 'v1.0.0', 'v1.0.0']);
  }, 90_000);
});
