// A real Prometheus (Debian's `prometheus`) scraping fleet apps' /metrics on loopback:
// config, start (ready once its API answers), one instant query, stop. Runs in the
// foreground as our child, its output in a log file; `detached` lets it outlive us
// (a sandbox's). Never the systemd service: its own config and TSDB in `dir`.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DplError } from '../core/errors.js';
import { isAlive, sleep, stopAll } from './procs.js';
import { which } from './tools.js';

export interface PrometheusTarget {
  /** address:port of a /metrics endpoint. */
  address: string;
  /** Extra target labels (e.g. `dpl_host`). */
  labels?: Record<string, string>;
}

export interface PrometheusPlan {
  /** Holds prometheus.yml, data/ (the TSDB) and prometheus.log. */
  dir: string;
  /** address:port of the web API. */
  listen: string;
  targets: PrometheusTarget[];
  /** Scrape interval (default 250 ms; the bake's sampleMs should be at least this). */
  scrapeMs?: number;
  /** Written with the pid once it answers. */
  pidFile?: string;
}

export interface RunningPrometheus {
  pid: number;
  child: ChildProcess;
  url: string;
}

/** The binary, when this machine has one (apt-get install prometheus). */
export function prometheusBinary(): string | undefined {
  return which('prometheus');
}

/** prometheus.yml: one job `app` with every target; label values are plain words, quoted as YAML strings. */
export function prometheusConfigText(p: PrometheusPlan): string {
  const scrape = `${p.scrapeMs ?? 250}ms`;
  const yaml = (s: string) => JSON.stringify(s);
  const statics = p.targets.map((t) => {
    const labels = Object.entries(t.labels ?? {}).map(([k, v]) => `${k}: ${yaml(v)}`);
    return `      - targets: [${yaml(t.address)}]` + (labels.length ? `\n        labels: { ${labels.join(', ')} }` : '');
  });
  return [
    '# dpl fleet Prometheus',
    'global:',
    `  scrape_interval: ${scrape}`,
    `  scrape_timeout: ${scrape}`,
    '  evaluation_interval: 1s',
    'scrape_configs:',
    '  - job_name: app',
    '    static_configs:',
    ...statics,
    '',
  ].join('\n');
}

/** One instant query through the API: the first series' value, or null (no series). */
export async function prometheusValue(url: string, query: string): Promise<number | null> {
  const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`);
  const json = (await res.json()) as { data?: { result?: { value: [number, string] }[] } };
  const first = json.data?.result?.[0];
  return first ? Number(first.value[1]) : null;
}

/** Start Prometheus and wait until its API answers (`/-/ready`). */
export async function startPrometheus(p: PrometheusPlan, o: { binary?: string; detached?: boolean; timeoutMs?: number } = {}): Promise<RunningPrometheus> {
  const binary = o.binary ?? prometheusBinary();
  if (!binary) throw new DplError('prometheus not found', { code: 'fleet.failed', hint: 'install it: apt-get install prometheus' });
  mkdirSync(join(p.dir, 'data'), { recursive: true });
  const config = join(p.dir, 'prometheus.yml');
  const logFile = join(p.dir, 'prometheus.log');
  writeFileSync(config, prometheusConfigText(p));
  const log = openSync(logFile, 'a');
  const args = [`--config.file=${config}`, `--storage.tsdb.path=${join(p.dir, 'data')}`, `--web.listen-address=${p.listen}`, '--log.level=warn'];
  const child = spawn(binary, args, { stdio: ['ignore', log, log], detached: !!o.detached });
  closeSync(log);
  let exited: string | undefined;
  child.once('exit', (code, sig) => (exited = `exit ${code ?? sig}`));
  child.once('error', (e) => (exited = e.message));
  if (o.detached) child.unref();
  const url = `http://${p.listen}`;
  const timeoutMs = o.timeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  while (!exited && Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/-/ready`)).ok) {
        if (p.pidFile) writeFileSync(p.pidFile, `${child.pid}\n`);
        return { pid: child.pid!, child, url };
      }
    } catch {
      // not listening yet
    }
    await sleep(exited ? 0 : 100);
  }
  if (!exited) child.kill('SIGKILL');
  const text = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-6).join('\n') : '';
  throw new DplError(exited ? `prometheus did not start (${exited})${text ? `:\n${text}` : ''}` : `prometheus did not answer on ${url} within ${timeoutMs / 1000} s`, { code: 'fleet.failed', hint: `its config is ${config}, its log ${logFile}` });
}

/** Until Prometheus has scraped `count` targets up at least once. */
export async function prometheusTargetsUp(url: string, count: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let up: number | null = null;
  while (Date.now() < deadline) {
    up = await prometheusValue(url, 'count(up == 1)').catch(() => null);
    if (up === count) return;
    await sleep(100);
  }
  throw new DplError(`prometheus at ${url} scraped ${up ?? 0} of ${count} targets up within ${timeoutMs / 1000} s`, { code: 'fleet.failed' });
}

/** Stop Prometheus by pid (SIGTERM, then SIGKILL); resolves with pids that would not die. */
export async function stopPrometheus(pid: number | null): Promise<number[]> {
  return pid !== null && isAlive(pid) ? stopAll([pid], 3000) : [];
}
