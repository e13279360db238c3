// A bounded load loop through the load balancer (the fleet's, src/fleet/load.ts: a new
// connection per request, so a routable dead node shows up as a failure), counting
// which server answered (each test backend answers with its name).
import { startLoad as fleetLoad, type Load as FleetLoad, type LoadReport as FleetReport } from '../../../src/fleet/index.js';

export type LoadReport = FleetReport<'byServer'>;
export type Load = FleetLoad<'byServer'>;

export function startLoad(port: number, o: { workers?: number; maxRequests?: number; maxMs?: number } = {}): Load {
  return fleetLoad({ host: '127.0.0.1', port, workers: o.workers ?? 4, maxRequests: o.maxRequests ?? 200_000, maxMs: o.maxMs ?? 90_000, tally: { byServer: (_, body) => body } });
}
