// A bounded load loop through the load balancer. Keep-alive is OFF on purpose:
// every request is a new connection HAProxy must place on a server (a new backend
// connection too), so any instant where a dead or restarting node is routable
// shows up as a failure. With keep-alive, reused connections could hide that.
import { request } from 'node:http';

export interface LoadReport {
  total: number;
  failures: { at: number; error: string }[];
  byServer: Record<string, number>;
}

export interface Load {
  stop(): Promise<LoadReport>;
  readonly report: LoadReport;
}

export function startLoad(port: number, o: { workers?: number; maxRequests?: number; maxMs?: number } = {}): Load {
  const started = Date.now();
  const maxRequests = o.maxRequests ?? 200_000;
  const maxMs = o.maxMs ?? 90_000;
  const report: LoadReport = { total: 0, failures: [], byServer: {} };
  let stopping = false;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/', agent: false, headers: { connection: 'close' }, timeout: 5000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => {
          report.total++;
          if (res.statusCode === 200) report.byServer[body] = (report.byServer[body] ?? 0) + 1;
          else report.failures.push({ at: Date.now() - started, error: `HTTP ${res.statusCode}: ${body.slice(0, 80)}` });
          resolve();
        });
        res.on('error', (e) => {
          report.total++;
          report.failures.push({ at: Date.now() - started, error: e.message });
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e) => {
        report.total++;
        report.failures.push({ at: Date.now() - started, error: e.message });
        resolve();
      });
      req.end();
    });
  const worker = async (): Promise<void> => {
    while (!stopping && report.total < maxRequests && Date.now() - started < maxMs) await one();
  };
  const done = Promise.all(Array.from({ length: o.workers ?? 4 }, worker));
  return {
    report,
    async stop() {
      stopping = true;
      await done;
      return report;
    },
  };
}
