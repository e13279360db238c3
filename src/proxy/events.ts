// The load balancer's events: every change a run makes to an LB (rotation, a batch
// out or back, maintenance, weights), the drain waits, and proxy.status's table.
// Declared here, emitted by src/proxy and src/rollout; the words are in
// src/reporters/format/proxy.ts.
import { internal } from '../core/internal.js';
import type { Context } from '../core/context-types.js';
import type { EventMap } from '../core/events.js';
import type { AdminState, Health, Pending } from './driver.js';
import type { MaintenanceRow } from './maintenance-page.js';

/** One server's admin state change: `from` when the LB's state before the write is known. */
export interface ProxyServerChange {
  backend: string;
  server: string;
  state: AdminState;
  from?: AdminState;
}

/** One server as proxy.status shows it. */
export interface StatusRow {
  lb: string;
  backend: string;
  server: string;
  /** Group name, or "" for servers in no group. */
  group: string;
  /** Deploy host name, or "" when none is known. */
  host: string;
  state: AdminState;
  health: Health;
  /** The LB's status text, e.g. "UP", "DOWN", "DRAIN", "MAINT". */
  status: string;
  check: string;
  sessions: number | null;
  errors5xx: number | null;
}

/** One server's weight change (HAProxy's runtime weights). */
export interface ProxyWeightChange {
  backend: string;
  server: string;
  weight: number;
  /** The weight before (for a restore: the canary's weight). */
  from?: number;
}

declare module '../core/events.js' {
  interface EventMap {
    /**
     * A change written to one LB (`lb`, the LB's host; `endpoint`, its runtime API or config file).
     * rotate: `groups` now in rotation, by proxy.<group>/flip/all; out/back: a rollout's batch;
     * maintenance: the 503 page on or off; weights/weights-restore: a weighted canary.
     */
    'proxy.change': {
      lb: string;
      endpoint: string;
      action: 'rotate' | 'out' | 'back' | 'maintenance' | 'weights' | 'weights-restore';
      /** Admin state changes (rotate, out, back); empty: nothing had to change. */
      changes: ProxyServerChange[];
      /** rotate: the groups in rotation after it. */
      groups?: string[];
      /** maintenance: on or off now, for which backends, and whether it already was; `why`, the caller's reason. */
      maintenance?: { on: boolean; backends: string[]; already: boolean; why?: string };
      /** weights, weights-restore. */
      weights?: ProxyWeightChange[];
      /** weights: the canary's servers, the share asked for, and each backend's share it got (percent). */
      canary?: string[];
      percent?: number;
      shares?: Record<string, number>;
      /** The write failed (weights-restore: the weights are left as the canary had them). */
      error?: string;
    };
    /** Waiting for drained servers' sessions to end on one LB: still `waiting`, `done`, or gave up at `timeout`. */
    'proxy.drain': { lb: string; state: 'waiting' | 'done' | 'timeout'; elapsedMs: number; timeoutMs: number; pending: Pending[] };
    /** Incoming servers not healthy yet (a debug line): server → what its check says. */
    'proxy.waiting': { lb: string; failing: Record<string, string> };
    /** --force: incoming servers put in rotation without their health checks. */
    'proxy.unchecked': { lb: string; servers: string[] };
    /** proxy.status: every server as each LB reports it, and each LB's maintenance state. */
    'proxy.status': { rows: StatusRow[]; maintenance: MaintenanceRow[] };
    /** A dry run reaches no LB: what the task would have done. */
    'proxy.dry-run': { action: 'rotate' | 'flip' | 'status' | 'maintenance'; groups?: string[]; maintenance?: 'on' | 'off' };
  }
}

export type ProxyEvent = 'proxy.change' | 'proxy.drain' | 'proxy.waiting' | 'proxy.unchecked' | 'proxy.status' | 'proxy.dry-run';

/** Emit a proxy event (its words: src/reporters/format/proxy.ts). */
export function proxyEvent<K extends ProxyEvent>(c: Context, type: K, payload: EventMap[K]): void {
  internal(c).emit(type, payload);
}
