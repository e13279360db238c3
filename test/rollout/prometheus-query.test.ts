// The Prometheus bake source's pure half: templates, escaping hosts into a label
// regex, and reading /api/v1/query answers (errors, empty results, NaN).
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import type { Context } from '../../src/core/context-types.js';
import { buildQuery, checkTemplate, parseAnswer, promqlStringEscape, regexEscape } from '../../src/rollout/sources/promql.js';
import { BakeSourceError } from '../../src/rollout/sources/source.js';
import { prometheus } from '../../src/rollout/sources/prometheus.js';
import { resolveRollout } from '../../src/rollout/config.js';

const Q = 'sum(http_requests_total{host=~"$hosts"})';
const vector = (...values: string[]) => JSON.stringify({ status: 'success', data: { resultType: 'vector', result: values.map((v, i) => ({ metric: { host: `h${i}` }, value: [1733400000.1, v] })) } });
const thrown = (fn: () => unknown): BakeSourceError => {
  try {
    fn();
  } catch (e) {
    return e as BakeSourceError;
  }
  throw new Error('did not throw');
};

describe('query building', () => {
  it('escapes RE2 metacharacters, then the PromQL string: a host matches itself only', () => {
    expect(regexEscape('127.0.10.1:8000')).toBe('127\\.0\\.10\\.1:8000');
    expect(regexEscape('a|b(c)*+?[x]{2}^$\\')).toBe('a\\|b\\(c\\)\\*\\+\\?\\[x\\]\\{2\\}\\^\\$\\\\');
    expect(promqlStringEscape('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    expect(buildQuery(Q, ['web-0', '127.0.10.1:8000'])).toBe('sum(http_requests_total{host=~"web-0|127\\\\.0\\\\.10\\\\.1:8000"})');
  });

  it('a hostile host name stays inside the matcher', () => {
    const q = buildQuery(Q, ['x"}) or vector(1e9) or up{a=~".*']);
    expect(q).toBe('sum(http_requests_total{host=~"x\\"\\\\}\\\\) or vector\\\\(1e9\\\\) or up\\\\{a=~\\"\\\\.\\\\*"})');
    // Read the string literal as PromQL does (Go escapes): it ends right before `})`, and unescaped it is the escaped regex.
    let i = q.indexOf('=~"') + 3;
    let text = '';
    for (; q[i] !== '"'; i++) text += q[i] === '\\' ? q[++i] : q[i];
    expect(q.slice(i)).toBe('"})');
    expect(new RegExp(`^(?:${text})$`).test('x"}) or vector(1e9) or up{a=~".*')).toBe(true);
    expect(new RegExp(`^(?:${text})$`).test('xx')).toBe(false);
  });

  it('every $hosts is filled; duplicates once; no hosts is a programming error', () => {
    expect(buildQuery('sum(a{i=~"$hosts"}) - sum(b{i=~"$hosts"})', ['w1', 'w1'])).toBe('sum(a{i=~"w1"}) - sum(b{i=~"w1"})');
    expect(() => buildQuery(Q, [])).toThrow(/no label values/);
  });

  it('refuses templates where $hosts is missing or not a whole quoted regex', () => {
    expect(checkTemplate('requests', Q)).toBe(Q);
    expect(checkTemplate('errors', 'sum(x{host!~ "$hosts", code=~"5.."})')).toContain('$hosts');
    expect(() => checkTemplate('requests', 'sum(http_requests_total)')).toThrow(/the requests query does not use \$hosts, so it cannot tell the batch from the rest/);
    for (const bad of ['sum(x{host="$hosts"})', 'sum(x{host=~"web-$hosts"})', "sum(x{host=~'$hosts'})", 'sum(x{host=~`$hosts`})', 'sum(x{host=~"$hosts|y"})']) {
      const e = thrown(() => checkTemplate('errors', bad));
      expect(e, bad).toBeInstanceOf(UsageError);
      expect(e.message).toBe(`prometheus bake source: in the errors query, $hosts must be a whole label regex in double quotes (label=~"$hosts"): ${bad}`);
    }
    expect(() => checkTemplate('errors', '')).toThrow(/errors must be a PromQL query/);
  });

  it('prometheus() checks its config when the deployfile builds it (exit 2)', () => {
    const ok = { url: 'http://127.0.0.1:9090', requests: Q, errors: Q };
    expect(prometheus(ok).name).toBe('Prometheus at http://127.0.0.1:9090');
    expect(prometheus({ ...ok, url: 'https://mon.example/prom/' }).name).toBe('Prometheus at https://mon.example/prom/');
    expect(() => prometheus({ ...ok, url: 'prometheus:9090' })).toThrow(/url "prometheus:9090" must be http: or https:/);
    expect(() => prometheus({ ...ok, url: 'not a url' })).toThrow(/url "not a url" is not a URL/);
    expect(() => prometheus({ ...ok, errors: 'sum(errors_total)' })).toThrow(UsageError);
    expect(() => prometheus({ ...ok, timeoutMs: 0 })).toThrow(/timeoutMs must be at least 10 ms/);
    expect(() => resolveRollout({ bake: { source: { name: 'x' } as never } })).toThrow(/bake\.source is a source value/);
    expect(resolveRollout({ bake: { source: prometheus(ok) } }).bake.source?.name).toMatch(/^Prometheus/);
  });

  it('a hostLabel giving no string is a usage error naming the host, before any query', async () => {
    const src = prometheus({ url: 'http://127.0.0.1:9', requests: Q, errors: Q, hostLabel: (h) => (h.name === 'web-1' ? '' : h.name) });
    const c = { session: { signal: new AbortController().signal } } as unknown as Context;
    const e = await src.check!(c, [{ name: 'web-0', hostname: 'web-0', vars: {} }, { name: 'web-1', hostname: 'web-1', vars: {} }]).catch((err: unknown) => err as UsageError);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).message).toBe(`rollout: the bake cannot read ${src.name}, so nothing was changed: prometheus bake source: hostLabel gave "" for host web-1; it must give a non-empty string`);
  });
});

describe('reading answers', () => {
  it('an instant vector is summed; no series is 0; a scalar is its value', () => {
    expect(parseAnswer(Q, 200, vector('12'))).toBe(12);
    expect(parseAnswer(Q, 200, vector('3', '4.5'))).toBe(7.5);
    expect(parseAnswer(Q, 200, vector())).toBe(0);
    expect(parseAnswer(Q, 200, JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [1, '42'] } }))).toBe(42);
  });

  it('NaN, Inf and negative counts are errors naming the query', () => {
    const nan = thrown(() => parseAnswer(Q, 200, vector('NaN')));
    expect(nan).toBeInstanceOf(BakeSourceError);
    expect(nan.message).toBe(`the query ${Q} gave "NaN", not a count`);
    expect(nan.permanent).toBe(false);
    expect(thrown(() => parseAnswer(Q, 200, vector('1', '+Inf'))).message).toMatch(/gave "\+Inf", not a count/);
    const neg = thrown(() => parseAnswer(Q, 200, vector('-1')));
    expect([neg.message, neg.permanent]).toEqual([`the query ${Q} gave -1, and a count cannot be negative`, true]);
  });

  it("Prometheus's own errors: a bad query is permanent, a timeout or overload may pass", () => {
    const bad = thrown(() => parseAnswer('sum(x{', 400, JSON.stringify({ status: 'error', errorType: 'bad_data', error: '1:7: parse error: unexpected end of input' })));
    expect(bad.message).toBe('Prometheus rejected the query sum(x{: bad_data: 1:7: parse error: unexpected end of input');
    expect(bad.permanent).toBe(true);
    const exec = thrown(() => parseAnswer(Q, 422, JSON.stringify({ status: 'error', errorType: 'execution', error: 'many-to-many matching not allowed' })));
    expect(exec.permanent).toBe(true);
    const slow = thrown(() => parseAnswer(Q, 503, JSON.stringify({ status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' })));
    expect([slow.message, slow.permanent]).toEqual([`Prometheus rejected the query ${Q}: timeout: query timed out in expression evaluation`, false]);
  });

  it('a non-API answer (wrong URL, a proxy page) and range vectors', () => {
    const page = thrown(() => parseAnswer(Q, 404, '<html>\n<body>404 page not found</body></html>'));
    expect(page.message).toBe(`Prometheus answered HTTP 404 with no API reply (<html> <body>404 page not found</body></html>) to the query ${Q}`);
    expect(page.permanent).toBe(true);
    expect(page.hint).toMatch(/base URL/);
    expect(thrown(() => parseAnswer(Q, 502, '')).permanent).toBe(false);
    const range = thrown(() => parseAnswer('x[1m]', 200, JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } })));
    expect([range.message, range.permanent]).toEqual(['the query x[1m] gave a matrix result; it must give an instant vector or a scalar (no [range] at the end)', true]);
  });
});
