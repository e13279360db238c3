// A bounded HTTP load loop through a fleet's load balancer. Keep-alive is OFF on
// purpose: every request is a new connection the balancer must place on a server, so
// any instant where a dead or restarting node is routable shows up as a failure.
// Used by the proxy, rollout and end-to-end tests and by `npm run demo`.
import { request, type IncomingMessage } from 'node:http';

export interface LoadFailure {
  /** ms since the load started. */
  at: number;
  error: string;
}

/** `tally` names → value → requests answered 200 with that value. */
export type LoadReport<K extends string = never> = { total: number; failures: LoadFailure[] } & Record<K, Record<string, number>>;

export interface LoadOptions<K extends string> {
  host: string;
  port: number;
  path?: string;
  workers?: number;
  maxRequests?: number;
  maxMs?: number;
  /** What to count for each answered request (e.g. the server or the version that answered). */
  tally?: Record<K, (res: IncomingMessage, body: string) => string>;
}

export interface Load<K extends string = never> {
  readonly report: LoadReport<K>;
  stop(): Promise<LoadReport<K>>;
}

export function startLoad<K extends string = never>(o: LoadOptions<K>): Load<K> {
  const started = Date.now();
  const tally = Object.entries(o.tally ?? {}) as Array<[K, (res: IncomingMessage, body: string) => string]>;
  const report = { total: 0, failures: [], ...Object.fromEntries(tally.map(([k]) => [k, {}])) } as unknown as LoadReport<K>;
  const counts = report as unknown as Record<string, Record<string, number>>;
  let stopping = false;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const fail = (error: string) => {
        report.total++;
        report.failures.push({ at: Date.now() - started, error });
        resolve();
      };
      const req = request({ host: o.host, port: o.port, path: o.path ?? '/', agent: false, headers: { connection: 'close' }, timeout: 5000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('error', (e) => fail(e.message));
        res.on('end', () => {
          if (res.statusCode !== 200) return fail(`HTTP ${res.statusCode}: ${body.slice(0, 80)}`);
          report.total++;
          for (const [k, f] of tally) {
            const v = f(res, body);
            const c = counts[k]!;
            c[v] = (c[v] ?? 0) + 1;
          }
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e) => fail(e.message));
      req.end();
    });
  const worker = async (): Promise<void> => {
    while (!stopping && report.total < (o.maxRequests ?? Infinity) && Date.now() - started < (o.maxMs ?? 90_000)) await one();
  };
  const done = Promise.all(Array.from({ length: o.workers ?? 2 }, worker));
  return {
    report,
    async stop() {
      stopping = true;
      await done;
      return report;
    },
  };
}
