// The Prometheus bake source against a real Prometheus scraping the real sandbox app
// (sandbox-app/app/server.mjs and its /metrics), two copies on loopback whose host
// labels differ by a regex metacharacter: `web.1` must not count `webx1`'s requests.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Context } from '../../src/core/context-types.js';
import type { Host } from '../../src/core/host.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { BakeSourceError, type BakeReader } from '../../src/rollout/sources/source.js';
import { BASELINE_KEY, BATCH_KEY, prometheus, type PrometheusSourceConfig } from '../../src/rollout/sources/prometheus.js';
import { freePort, until } from '../proxy/support/backends.js';
import { prometheusMissing, startPrometheus, type Prometheus } from '../support/prometheus.js';

const missing = prometheusMissing();
const QUERIES = { requests: 'sum(http_requests_total{host=~"$hosts"})', errors: 'sum(http_requests_total{host=~"$hosts",code=~"5.."})' };
const host = (name: string): Host => ({ name, hostname: '127.0.0.1', vars: {} });
const HOSTS = [host('web.1'), host('webx1')];
const context = { session: { signal: new AbortController().signal } } as unknown as Context;

function reader(config: Partial<PrometheusSourceConfig> & { url: string }, batch = [HOSTS[0]!]): BakeReader {
  const r = prometheus({ ...QUERIES, ...config }).open({ c: context, batch, moved: batch, hosts: HOSTS });
  if ('none' in r) throw new Error(r.none);
  return r;
}

async function readError(r: BakeReader): Promise<BakeSourceError> {
  const e = await r.read().then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(BakeSourceError);
  return e as BakeSourceError;
}

(missing ? describe.skip : describe)(`the Prometheus bake source on a real Prometheus${missing ? ` (${missing})` : ''}`, () => {
  const apps: ChildProcess[] = [];
  const ports: number[] = [];
  let prom: Prometheus;

  beforeAll(async () => {
    for (const h of HOSTS) {
      const port = await freePort();
      ports.push(port);
      apps.push(spawn(process.execPath, ['app/server.mjs'], { cwd: path.join(PACKAGE_ROOT, 'sandbox-app'), env: { ...process.env, APP_ADDR: '127.0.0.1', APP_PORT: String(port), DPL_SANDBOX_HOST: h.name }, stdio: 'ignore' }));
    }
    prom = await startPrometheus(ports.map((p) => `127.0.0.1:${p}`));
    await prom.ready();
    // 3 requests to web.1, 5 to webx1; health checks and scrapes are not counted.
    const get = async (port: number, p: string) => (await fetch(`http://127.0.0.1:${port}${p}`)).text();
    for (let i = 0; i < 3; i++) await get(ports[0]!, '/flights');
    for (let i = 0; i < 5; i++) await get(ports[1]!, '/');
    for (const port of ports) await get(port, '/health');
    await until('Prometheus to see 8 requests', async () => (await prom.value('sum(http_requests_total)')) === 8);
  }, 60_000);

  afterAll(async () => {
    for (const a of apps) a.kill('SIGKILL');
    await prom?.stop();
  });

  it('one query per side: the batch counts its own host only, the rest is the baseline', async () => {
    const snap = await reader({ url: prom.url }).read();
    expect(Object.fromEntries(snap)).toEqual({
      [BATCH_KEY]: { requests: 3, errors: 0, down: false },
      [BASELINE_KEY]: { requests: 5, errors: 0, down: false },
    });
    // The other way round, and a host label given by hostLabel.
    const flipped = await reader({ url: prom.url, hostLabel: (h) => (h.name === 'web.1' ? 'webx1' : 'web.1') }).read();
    expect(flipped.get(BATCH_KEY)!.requests).toBe(5);
  });

  it('reads the four counts in one query (one state of Prometheus); a template giving a scalar is asked one by one', async () => {
    // A counting proxy in front of the real Prometheus: how many queries each read sends.
    const { createServer, request } = await import('node:http');
    const target = new URL(prom.url);
    let queries = 0;
    const proxy = createServer((req, res) => {
      if (req.url?.includes('/api/v1/query')) queries++;
      const up = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      req.pipe(up);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
    try {
      const want = { [BATCH_KEY]: { requests: 3, errors: 0, down: false }, [BASELINE_KEY]: { requests: 5, errors: 0, down: false } };
      expect(Object.fromEntries(await reader({ url }).read())).toEqual(want);
      // One query: errors and requests scraped together are read together (asked apart, a scrape could land between).
      expect(queries).toBe(1);
      const scalars = reader({ url, requests: 'scalar(sum(http_requests_total{host=~"$hosts"}))' });
      queries = 0;
      expect(Object.fromEntries(await scalars.read())).toEqual(want);
      expect(queries).toBe(1 + 4);
      queries = 0;
      await scalars.read();
      expect(queries).toBe(4);
    } finally {
      proxy.close();
    }
  });

  it('a host no series carries counts 0 (an empty result); a baseline without hosts is not queried', async () => {
    const snap = await reader({ url: prom.url }, [host('web-9')]).read();
    expect(snap.get(BATCH_KEY)).toEqual({ requests: 0, errors: 0, down: false });
    const all = prometheus({ url: prom.url, ...QUERIES }).open({ c: context, batch: HOSTS, moved: HOSTS, hosts: HOSTS }) as BakeReader;
    expect(Object.fromEntries(await all.read())).toEqual({ [BATCH_KEY]: { requests: 8, errors: 0, down: false }, [BASELINE_KEY]: { requests: 0, errors: 0, down: false } });
  });

  it('check, before a rollout: both queries over every host; nothing counted is a warning naming the values asked', async () => {
    const src = prometheus({ url: prom.url, ...QUERIES });
    expect(await src.check!(context, HOSTS)).toEqual({ message: `the bake reads ${src.name}: 8 requests, 0 errors counted so far on 2 hosts`, warn: false });
    expect(await src.check!(context, [host('web-9'), host('web-9')])).toEqual({
      message: `the bake reads ${src.name}: 0 requests, 0 errors counted so far on 1 host; if they do serve traffic, no series carries these $hosts values: web-9 (see hostLabel)`,
      warn: true,
    });
  });

  it('errors name the query: rejected (permanent), NaN, a wrong URL, Prometheus gone (may pass)', async () => {
    const bad = await readError(reader({ url: prom.url, errors: 'sum(rate(http_requests_total{host=~"$hosts"}))' }));
    expect(bad.permanent).toBe(true);
    expect(bad.message).toMatch(/^Prometheus rejected the query sum\(rate\(http_requests_total\{host=~"web\\\\\.1"\}\)\): bad_data: invalid parameter "query": .*range vector/);
    const nan = await readError(reader({ url: prom.url, errors: 'sum(http_requests_total{host=~"$hosts"}) * 0 / 0' }));
    expect([nan.message, nan.permanent]).toEqual(['the query sum(http_requests_total{host=~"web\\\\.1"}) * 0 / 0 gave "NaN", not a count', false]);
    const wrong = await readError(reader({ url: `${prom.url}/nope` }));
    expect(wrong.message).toMatch(/^Prometheus answered HTTP 404 with no API reply \(.*\) to the query sum\(http_requests_total/);
    expect(wrong.permanent).toBe(true);
    const r = reader({ url: prom.url, timeoutMs: 1000 });
    await prom.stop();
    const gone = await readError(r);
    expect(gone.message).toBe(`cannot reach ${prometheus({ url: prom.url, ...QUERIES }).name} (ECONNREFUSED) for the query sum(http_requests_total{host=~"web\\\\.1"})`);
    expect(gone.permanent).toBe(false);
  });
});
