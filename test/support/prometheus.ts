// A real Prometheus (Debian's `prometheus` package) per test file, started by the
// fleet's launcher: its own config, TSDB in a temp dir, the web API on
// 127.0.0.1:<free port>, scraping the given targets every 250 ms. Skipped (with the reason) when
// the binary is missing. `prometheusFront` breaks it on demand, mid-bake.
import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, until } from '../proxy/support/backends.js';
import { stopServer } from '../proxy/support/server-process.js';
import { prometheusValue, startPrometheus as startFleetPrometheus } from '../../src/fleet/prometheus.js';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';

export function prometheusMissing(): string | null {
  return existsSync(PROMETHEUS_BIN) ? null : `no ${PROMETHEUS_BIN} (apt-get install prometheus)`;
}

export interface Prometheus {
  url: string;
  dir: string;
  /** One instant query through the API (independent of the code under test): the first series' value, or null. */
  value(query: string): Promise<number | null>;
  /** Until every target was scraped up at least once. */
  ready(): Promise<void>;
  stop(): Promise<void>;
}

/** The fleet's launcher (src/fleet/prometheus.ts) in a temp dir; each target also gets the label `dpl_host` from `hostOf` when given. */
export async function startPrometheus(targets: readonly string[], o: { scrapeMs?: number; hostOf?: (target: string) => string } = {}): Promise<Prometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'dpl-prometheus-'));
  const port = await freePort();
  const running = await startFleetPrometheus({
    dir,
    listen: `127.0.0.1:${port}`,
    scrapeMs: o.scrapeMs ?? 250,
    targets: targets.map((t) => ({ address: t, ...(o.hostOf ? { labels: { dpl_host: o.hostOf(t) } } : {}) })),
  }, { binary: PROMETHEUS_BIN });
  const { url } = running;
  const value = (query: string) => prometheusValue(url, query);
  return {
    url,
    dir,
    value,
    ready: () => until(`prometheus to scrape ${targets.length} targets`, async () => (await value('count(up == 1)')) === targets.length),
    stop: () => stopServer(running.child, dir),
  };
}

export type FrontMode = 'pass' | 'down' | 'garble';

export interface PrometheusFront {
  url: string;
  /** pass: forward as is; down: drop every connection; garble: forward each query with a stray `)` (Prometheus rejects it). */
  mode: FrontMode;
  close(): Promise<void>;
}

/** A switchable front for a real Prometheus, to break it in the middle of a bake. */
export async function prometheusFront(target: string): Promise<PrometheusFront> {
  const port = await freePort();
  const front: PrometheusFront = { url: `http://127.0.0.1:${port}`, mode: 'pass', close: async () => undefined };
  const server = createServer((req, res) => {
    if (front.mode === 'down') return void req.socket.destroy();
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', async () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString());
      if (front.mode === 'garble') form.set('query', `${form.get('query')})`);
      try {
        const r = await fetch(`${target}${req.url}`, { method: req.method, headers: { 'content-type': req.headers['content-type'] ?? 'application/x-www-form-urlencoded' }, body: req.method === 'POST' ? form : undefined });
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
        res.end(await r.text());
      } catch {
        req.socket.destroy();
      }
    });
  });
  await new Promise<void>((ok) => server.listen(port, '127.0.0.1', ok));
  front.close = () => new Promise<void>((ok) => {
    server.close(() => ok());
    server.closeAllConnections();
  });
  return front;
}
