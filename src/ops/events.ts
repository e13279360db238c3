// The operator tasks' events: the status and history tables as data, and following
// logs. Words (the tables themselves): src/reporters/format/ops.ts.
import { internal } from '../core/internal.js';
import type { Context } from '../core/context-types.js';
import type { EventMap } from '../core/events.js';
import type { HostStatus } from './status.js';
import type { DeployRow } from './history.js';

declare module '../core/events.js' {
  interface EventMap {
    /** `status`: each host's services and live release; `services`: a service had a status command (the table has its columns). */
    'ops.status': { hosts: HostStatus[]; services: boolean };
    /** `history`: deploys newest first (`more` older ones not shown), and the hosts whose history could not be read. */
    'ops.history': { deploys: DeployRow[]; more: number; unreachable: Array<{ host: string; error: string }> };
    /** monitor/logs start: `what` is followed (or only shown), until Ctrl-C or for `forSeconds`. */
    'ops.follow': { what: string; follow: boolean; forSeconds?: number };
    /** A follower on `host` stopped at Ctrl-C (a debug line). */
    'ops.stopped': { host?: string };
  }
}

export type OpsEvent = 'ops.status' | 'ops.history' | 'ops.follow' | 'ops.stopped';

/** Emit an ops event (its words: src/reporters/format/ops.ts). */
export function opsEvent<K extends OpsEvent>(c: Context, type: K, payload: EventMap[K]): void {
  internal(c).emit(type, payload);
}
