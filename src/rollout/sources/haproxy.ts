// The default bake source: HAProxy's per-server counters (`show stat` on every LB,
// summed), keyed `backend/server`. The baseline is every server not moved.
import type { BakeSource } from './source.js';

export function haproxyCounters(): BakeSource {
  return {
    name: "HAProxy's counters",
    open({ lb, driver, batch, moved }) {
      if (!lb) return { none: 'no load balancer configured, so no bake (health checks only)' };
      if ((driver ?? 'haproxy') !== 'haproxy') {
        return { none: `the ${driver} driver has no per-server counters, so no bake (health checks only); bake.source: prometheus({...}) judges it from Prometheus` };
      }
      return {
        fresh: lb.keysOf(batch),
        moved: lb.keysOf(moved),
        read: async () => (await lb.counters()) ?? new Map(),
      };
    },
  };
}
