// The pure half of the Prometheus source: query templates, how a side's hosts go
// into them, and reading `/api/v1/query` answers. A template names the hosts as
// `$hosts`, standing as a whole regex matcher value in double quotes
// (`instance=~"$hosts"`): each host's value is regex-escaped (RE2), joined with `|`,
// then escaped for a PromQL double-quoted string, so no host name can change the query.
import { UsageError } from '../../core/errors.js';
import { BakeSourceError } from './source.js';

const PLACEHOLDER = '$hosts';
/** `$hosts` where it is safe: the whole value of a `=~` or `!~` matcher, in double quotes. */
const SAFE_USE = /[=!]~\s*"\$hosts"/g;

/** Refuses a template that does not use `$hosts`, or uses it anywhere but as `label=~"$hosts"`. */
export function checkTemplate(what: string, template: unknown): string {
  if (typeof template !== 'string' || !template.trim()) throw new UsageError(`prometheus bake source: ${what} must be a PromQL query`, { code: 'config.invalid', hint: hintText });
  const uses = template.split(PLACEHOLDER).length - 1;
  const safe = template.match(SAFE_USE)?.length ?? 0;
  if (!uses) throw new UsageError(`prometheus bake source: the ${what} query does not use $hosts, so it cannot tell the batch from the rest: ${template}`, { code: 'config.invalid', hint: hintText });
  if (safe !== uses) throw new UsageError(`prometheus bake source: in the ${what} query, $hosts must be a whole label regex in double quotes (label=~"$hosts"): ${template}`, { code: 'config.invalid', hint: hintText });
  return template;
}

const hintText = `e.g. requests: 'sum(http_requests_total{instance=~"$hosts"})'; see "Prometheus judge" in docs/rollout.md`;

/** RE2 metacharacters escaped: the value matches itself only. */
export function regexEscape(value: string): string {
  return value.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** The inside of a PromQL double-quoted string (Go escapes). */
export function promqlStringEscape(value: string): string {
  return value.replace(/[\\"\n\r\t]/g, (ch) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[ch]!);
}

/** The template with `$hosts` matching exactly these label values (at least one). */
export function buildQuery(template: string, values: readonly string[]): string {
  if (!values.length) throw new Error('buildQuery: no label values (a side without hosts is not queried)');
  const alternation = promqlStringEscape([...new Set(values)].map(regexEscape).join('|'));
  return template.split(PLACEHOLDER).join(alternation);
}

/**
 * Several templates' sums in one query, each labelled `dpl_count="<index>"`: one query is
 * evaluated against one state of Prometheus, so counts scraped together are read together
 * (asked one by one, a scrape landing between two answers made errors outnumber requests).
 * Only for templates that give instant vectors: `sum()` refuses a scalar (then ask one by one).
 */
export function combinedQuery(queries: readonly string[]): string {
  return queries.map((q, i) => `label_replace(sum(${q}), "dpl_count", "${i}", "", "")`).join(' or ');
}

/** The answer to combinedQuery: each part's sum (a part with no series is 0). */
export function parseCombined(query: string, status: number, body: string, parts: number): number[] {
  const { result } = answerOf(query, status, body, false);
  const out = new Array<number>(parts).fill(0);
  for (const series of result as { metric?: Record<string, string>; value?: unknown[] }[]) {
    const i = Number(series.metric?.['dpl_count']);
    if (Number.isInteger(i) && i >= 0 && i < parts) out[i] = count(query, series.value?.[1]);
  }
  return out;
}

/** One number from a query answer: the sum of an instant vector (none is 0), or a scalar. */
export function parseAnswer(query: string, status: number, body: string): number {
  const { resultType, result } = answerOf(query, status, body, true);
  if (resultType === 'scalar') return count(query, (result as unknown[] | undefined)?.[1]);
  let sum = 0;
  for (const series of result as { value?: unknown[] }[]) sum += count(query, series.value?.[1]);
  return sum;
}

/** A successful answer's data: an instant vector (or a scalar, when `scalar` allows it); otherwise why not. */
function answerOf(query: string, status: number, body: string, scalar: boolean): { resultType: string; result: unknown } {
  let json: { status?: string; errorType?: string; error?: string; data?: { resultType?: string; result?: unknown } };
  try {
    json = JSON.parse(body) as typeof json;
  } catch {
    const snippet = body.trim().slice(0, 120).replace(/\s+/g, ' ');
    // 5xx from something in front of Prometheus may pass; a 4xx page means a wrong URL.
    throw new BakeSourceError(`Prometheus answered HTTP ${status} with no API reply (${snippet || 'empty body'}) to the query ${query}`, status < 500, { hint: 'bake.source url is the Prometheus base URL, e.g. http://prometheus:9090' });
  }
  if (json.status !== 'success') {
    const why = `${json.errorType ?? `HTTP ${status}`}: ${json.error ?? 'no error text'}`;
    // bad_data (400) and execution (422) come from the query itself; 503 (timeout, unavailable) may pass.
    throw new BakeSourceError(`Prometheus rejected the query ${query}: ${why}`, status < 500 && json.errorType !== 'timeout' && json.errorType !== 'unavailable');
  }
  const { resultType, result } = json.data ?? {};
  if (scalar && resultType === 'scalar') return { resultType, result };
  if (resultType !== 'vector' || !Array.isArray(result)) {
    throw new BakeSourceError(`the query ${query} gave a ${resultType ?? 'missing'} result; it must give an instant vector or a scalar (no [range] at the end)`, true);
  }
  return { resultType, result };
}

function count(query: string, raw: unknown): number {
  const n = typeof raw === 'string' ? Number(raw) : NaN;
  if (typeof raw !== 'string' || !Number.isFinite(n)) {
    // NaN comes from arithmetic such as 0/0 in the query, or a series that is not a counter.
    throw new BakeSourceError(`the query ${query} gave ${JSON.stringify(raw)}, not a count`, false);
  }
  if (n < 0) throw new BakeSourceError(`the query ${query} gave ${n}, and a count cannot be negative`, true);
  return n;
}
