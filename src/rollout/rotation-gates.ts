// Taking hosts out of rotation before they switch (or switch back) and restart, and
// putting them back once each is healthy: the rollout's undo and a recovery
// (recovery.ts) go through these same two steps. A host that is not healthy, or that
// the LB does not see healthy, stays out of rotation and is marked in the run.
import type { Context } from '../core/context-types.js';
import type { Host } from '../core/host.js';
import { errorText } from '../deploy/remote.js';
import type { PipelineRun } from '../pipeline/state.js';
import type { ResolvedRollout } from './config.js';
import { checkHealthAll } from './health.js';
import type { RolloutLb } from './lb.js';

export interface RotationOptions {
  lb: RolloutLb | undefined;
  health: ResolvedRollout['health'];
  drainMs: number;
  /** The health check's phase in its events, and what brought the hosts up, in the notes (`after switching back`). */
  phase: 'rollback' | 'restart';
  after: string;
  /** A host is up on its release (and back in rotation, with an LB). */
  onBack(run: PipelineRun, host: Host): void;
}

export interface Rotation {
  /** Drain `hosts` on every LB and wait for their sessions (refuses to leave a backend with nothing live). */
  out(run: PipelineRun, hosts: Host[]): Promise<void>;
  /** Health, the LB's own check, back into rotation; returns the hosts left out (marked rollback-failed with why). */
  back(run: PipelineRun, up: Host[]): Promise<Host[]>;
}

export function rotation(c: Context, o: RotationOptions): Rotation {
  return {
    async out(_run, hosts) {
      if (o.lb) await o.lb.takeOut(c, hosts, o.drainMs);
    },

    async back(run, up) {
      const bad: Host[] = [];
      const fail = (h: Host, detail: string) => {
        bad.push(h);
        run.phase([h], 'rollback-failed', { note: detail });
      };
      const health = await checkHealthAll(c, up, o.health, o.phase, (h) => o.lb?.addresses.get(h.name), run.size);
      for (const r of health.filter((x) => !x.ok)) fail(up.find((h) => h.name === r.host)!, `unhealthy ${o.after}: ${r.target} → ${r.detail}; left out of rotation`);
      const healthy = up.filter((h) => health.find((r) => r.host === h.name)?.ok);
      let ready = healthy;
      if (o.lb) {
        // One LB check per host, so one host the LB does not like keeps only itself out of rotation.
        const verified = await o.lb.verifyEach(c, healthy, run.size);
        for (const f of verified.failed) fail(healthy.find((h) => h.name === f.host)!, `the load balancer does not see it healthy ${o.after}: ${errorText(f.error)}; left out of rotation`);
        ready = healthy.filter((h) => verified.succeeded.has(h.name));
        try {
          await o.lb.putBack(c, ready);
        } catch (e) {
          for (const h of ready) fail(h, `could not put it back into rotation: ${errorText(e)}`);
          return bad;
        }
      }
      for (const h of ready) o.onBack(run, h);
      return bad;
    },
  };
}
