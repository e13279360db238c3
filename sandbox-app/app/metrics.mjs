// Request counters for /metrics, in Prometheus's text format: one counter per
// status code, labelled with the host and the version, so a query can split a
// canary's hosts from the rest (`host=~"web-0"`) and a rollout's bake can read it.
const CODES = ['200', '500', '503'];

export function requestMetrics(labels) {
  // Every code starts at 0: a series that exists before its first error makes rates exact.
  const counts = new Map(CODES.map((c) => [c, 0]));
  const tag = Object.entries(labels).map(([k, v]) => `${k}="${String(v).replace(/[\\"]/g, '\\$&').replace(/\n/g, '\\n')}"`).join(',');
  return {
    count(status) {
      const code = String(status);
      counts.set(code, (counts.get(code) ?? 0) + 1);
    },
    render() {
      const lines = ['# HELP http_requests_total HTTP requests answered, by status code.', '# TYPE http_requests_total counter'];
      for (const [code, n] of counts) lines.push(`http_requests_total{${tag},code="${code}"} ${n}`);
      return lines.join('\n') + '\n';
    },
  };
}
