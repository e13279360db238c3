// `prometheus({ url, requests, errors })`: a bake source reading Prometheus's HTTP API.
// Per sample, one instant query for four counts (requests and errors for the batch's
// hosts and for the baseline's; four queries when a template gives a scalar), each
// template's `$hosts` filled in by promql.ts. The answers
// are cumulative counts, so the BakeJudge takes differences exactly as it does with
// HAProxy's counters (a count that goes back, e.g. a restarted app, opens a new window).
import type { Host } from '../../core/host.js';
import { DplError, UsageError } from '../../core/errors.js';
import type { Context } from '../../core/context-types.js';
import type { ServerCounters, Snapshot } from '../error-rate.js';
import { buildQuery, checkTemplate, combinedQuery, parseAnswer, parseCombined } from './promql.js';
import { BakeSourceError, type BakeSource } from './source.js';

export interface PrometheusSourceConfig {
  /** Base URL of Prometheus (a path prefix is kept): `http://prometheus:9090`. Asked from the machine running dpl. */
  url: string;
  /** PromQL: the cumulative requests of `$hosts`, e.g. `sum(http_requests_total{instance=~"$hosts"})`. */
  requests: string;
  /** PromQL: the cumulative errors of `$hosts`, e.g. `sum(http_requests_total{instance=~"$hosts",code=~"5.."})`. */
  errors: string;
  /** A host's value in `$hosts`. Default: its `metricsLabel` host var, else its name. E.g. `(h) => \`${h.hostname}:8000\`` for `instance`. */
  hostLabel?: (host: Host) => string;
  /** One query's timeout. Default 5000 ms. */
  timeoutMs?: number;
  /** Extra request headers (e.g. `authorization`). */
  headers?: Record<string, string>;
}

/** Snapshot keys: the whole batch and the whole baseline are one "server" each. */
export const BATCH_KEY = 'prometheus:batch';
export const BASELINE_KEY = 'prometheus:baseline';

export function prometheus(config: PrometheusSourceConfig): BakeSource {
  const base = checkUrl(config?.url);
  const templates = { requests: checkTemplate('requests', config.requests), errors: checkTemplate('errors', config.errors) };
  const timeoutMs = config.timeoutMs ?? 5000;
  if (!(Number.isFinite(timeoutMs) && timeoutMs >= 10)) throw new UsageError(`prometheus bake source: timeoutMs must be at least 10 ms, not ${config.timeoutMs}`, { code: 'config.invalid' });
  const label = config.hostLabel ?? ((h: Host) => (typeof h.vars.metricsLabel === 'string' ? h.vars.metricsLabel : h.name));
  const labelOf = (h: Host): string => {
    const v: unknown = label(h);
    if (typeof v !== 'string' || !v) throw new UsageError(`prometheus bake source: hostLabel gave ${JSON.stringify(v)} for host ${h.name}; it must give a non-empty string`, { code: 'config.invalid' });
    return v;
  };
  const endpoint = new URL('api/v1/query', base.href.endsWith('/') ? base : new URL(base.href + '/'));
  const name = `Prometheus at ${base.origin}${base.pathname === '/' ? '' : base.pathname}`;

  /** Prometheus's answer to `q`: its HTTP status and body, for parseAnswer or parseCombined. */
  async function ask(q: string, signal: AbortSignal): Promise<{ status: number; body: string }> {
    let res: Response;
    try {
      res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...config.headers },
        body: new URLSearchParams({ query: q }),
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      });
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      // ECONNREFUSED says it all; undici's own codes (UND_ERR_SOCKET) say less than their text ("other side closed").
      const code = err.cause?.code && !err.cause.code.startsWith('UND_ERR') ? err.cause.code : undefined;
      const why = err.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (code ?? err.cause?.message ?? err.message);
      throw new BakeSourceError(`cannot reach ${name} (${why}) for the query ${q}`, false);
    }
    return { status: res.status, body: await res.text() };
  }

  async function query(q: string, signal: AbortSignal): Promise<number> {
    const a = await ask(q, signal);
    return parseAnswer(q, a.status, a.body);
  }

  /** Templates that `sum()` refused (a scalar): asked one by one from then on. */
  let separately = false;

  /** Requests and errors of the batch, then of the baseline (a side without hosts counts nothing): one query when it can. */
  async function sides(batch: readonly Host[], baseline: readonly Host[], signal: AbortSignal): Promise<ServerCounters[]> {
    const parts = [batch, baseline].flatMap((hosts) => {
      const values = hosts.map(labelOf);
      return [templates.requests, templates.errors].map((t) => (values.length ? buildQuery(t, values) : undefined));
    });
    const asked = parts.filter((q): q is string => q !== undefined);
    const counted = (n: number[]): ServerCounters[] => [
      { requests: n[0]!, errors: n[1]!, down: false },
      { requests: n[2]!, errors: n[3]!, down: false },
    ];
    if (!separately) {
      try {
        const q = combinedQuery(asked);
        const a = await ask(q, signal);
        const n = parseCombined(q, a.status, a.body, asked.length);
        let next = 0;
        return counted(parts.map((part) => (part === undefined ? 0 : n[next++]!)));
      } catch (e) {
        // Asked one by one below: the error then names the template's own query. Refused for good
        // (sum() of a scalar, or a bad template): one by one from now on.
        if (e instanceof BakeSourceError && e.permanent) separately = true;
      }
    }
    const answers = await Promise.allSettled(parts.map((q) => (q === undefined ? Promise.resolve(0) : query(q, signal))));
    // The same failure whichever answer came first: a permanent one (a bad query) first, in query order.
    const failures = answers.flatMap((a) => (a.status === 'rejected' ? [a.reason as unknown] : []));
    if (failures.length) throw failures.find((e) => e instanceof BakeSourceError && e.permanent) ?? failures[0];
    return counted(answers.map((a) => (a as PromiseFulfilledResult<number>).value));
  }

  /** Both queries over every host, once, before the rollout changes anything. */
  async function check(c: Context, hosts: readonly Host[]): Promise<{ message: string; warn: boolean }> {
    let all: ServerCounters;
    try {
      [all] = (await sides(hosts, [], c.session.signal)) as [ServerCounters];
    } catch (e) {
      const text = `rollout: the bake cannot read ${name}, so nothing was changed: ${(e as Error).message}`;
      const hint = 'fix bake.source (see "Prometheus judge" in docs/rollout.md), or set bake.durationMs: 0 to roll out without a bake';
      throw (e instanceof BakeSourceError && e.permanent) || e instanceof UsageError ? new UsageError(text, { code: 'bake.source', hint }) : new DplError(text, { code: 'bake.source', hint, cause: e });
    }
    const values = [...new Set(hosts.map(labelOf))];
    const counted = `${all.requests} requests, ${all.errors} errors counted so far on ${values.length} host${values.length === 1 ? '' : 's'}`;
    if (all.requests > 0) return { message: `the bake reads ${name}: ${counted}`, warn: false };
    // Nothing counted yet may be a new service, or $hosts values no series carries: say which values were asked.
    return { message: `the bake reads ${name}: ${counted}; if they do serve traffic, no series carries these $hosts values: ${values.join(', ')} (see hostLabel)`, warn: true };
  }

  return {
    name,
    check,
    open({ c, batch, moved, hosts }) {
      const movedNames = new Set(moved.map((h) => h.name));
      const baseline = hosts.filter((h) => !movedNames.has(h.name));
      return {
        fresh: [BATCH_KEY],
        moved: [BATCH_KEY],
        async read(): Promise<Snapshot> {
          const [b, rest] = await sides(batch, baseline, c.session.signal);
          return new Map([[BATCH_KEY, b!], [BASELINE_KEY, rest!]]);
        },
      };
    },
  };
}

function checkUrl(url: unknown): URL {
  const bad = (why: string) => new UsageError(`prometheus bake source: url ${JSON.stringify(url)} ${why}`, { code: 'config.invalid', hint: 'e.g. url: "http://prometheus:9090"' });
  if (typeof url !== 'string') throw bad('must be a string');
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw bad('is not a URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw bad('must be http: or https:');
  return u;
}
