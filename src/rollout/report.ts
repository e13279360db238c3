// What a rollout did, host by host: returned on success, carried by RolloutError
// (and the 'rollout.end' event) on failure, rendered as the error's message so the
// terminal says which check failed, with what numbers, and where every host is.
import { DplError } from '../core/errors.js';
import { renderHosts, type HostRecord } from '../pipeline/ledger.js';

export { renderHosts, type HostPhase, type HostRecord } from '../pipeline/ledger.js';

export type FailedCheck = 'health' | 'lb-health' | 'down' | 'error-rate' | 'inconclusive' | 'counters' | 'prepare' | 'switch' | 'restart' | 'drain' | 'weights' | 'weights-back' | 'interrupted' | 'error';

export interface RolloutFailure {
  check: FailedCheck;
  batch: number;
  hosts: string[];
  message: string;
  /** The numbers behind the decision (error rate, requests, limit...). */
  numbers?: Record<string, number | string | null>;
}

export interface BatchRecord {
  batch: number;
  hosts: string[];
  state: 'pending' | 'running' | 'promoted' | 'failed';
  samples: number;
  conclusive: number;
  failed: number;
}

export interface RolloutReport {
  ok: boolean;
  release: string;
  ref: string;
  sha: string;
  environment?: string;
  dryRun?: boolean;
  batches: BatchRecord[];
  hosts: HostRecord[];
  failure?: RolloutFailure;
  /** Migrations the release's once steps applied (recorded in history.jsonl): a rollback leaves them applied. */
  migrations?: Array<{ name: string; release: string }>;
  /** true: every moved host is back; 'partial': some could not be; false: none tried (--no-rollback, nothing moved). */
  rolledBack: boolean | 'partial';
  durationMs: number;
}

/** "batch 2/3 (web-1): error rate too high" */
export function describeFailure(f: RolloutFailure, batches: number): string {
  return `batch ${f.batch}/${batches} (${f.hosts.join(', ')}): ${CHECK_TEXT[f.check]}`;
}

export function renderFailure(r: RolloutReport): string {
  const f = r.failure;
  if (!f) return `rollout of ${r.ref} as ${r.release} finished`;
  const switched = r.hosts.some((h) => h.phase !== 'old');
  const back = !switched
    ? 'no host had switched to it'
    : r.rolledBack === true
      ? 'every moved host was rolled back'
      : r.rolledBack === 'partial'
        ? 'the rollback did not finish on every host'
        : 'nothing was rolled back';
  return `rollout of ${r.ref} as ${r.release} failed at ${describeFailure(f, r.batches.length)}\n  ${f.message.replace(/\n/g, '\n  ')}\n${back}; hosts now:\n${renderHosts(r)}${schemaLines(r)}`;
}

/** A failed rollout never undoes a migration: say which stay applied under the old code. */
function schemaLines(r: RolloutReport): string {
  return (r.migrations ?? []).map((m) => `\nmigration ${m.name} applied by ${m.release} stays applied: the old release runs against the new schema`).join('');
}

const CHECK_TEXT: Record<FailedCheck, string> = {
  health: 'health check failed',
  'lb-health': 'the load balancer did not see the nodes healthy',
  down: 'a node went DOWN',
  'error-rate': 'error rate too high',
  inconclusive: 'the bake was inconclusive (too little traffic to judge the release)',
  counters: 'the bake could not read its counters (the release was not judged)',
  prepare: 'prepare failed',
  switch: 'switch failed',
  restart: 'restart failed',
  drain: 'could not take the batch out of rotation',
  weights: "could not set the canary's HAProxy server weights",
  'weights-back': 'passed its bake, but the HAProxy server weights could not be set back',
  interrupted: 'interrupted',
  error: 'unexpected error',
};

/** A failed rollout: exit 1, the report in the message, the hint says what to do next. */
export class RolloutError extends DplError {
  constructor(readonly report: RolloutReport, hint?: string) {
    super(renderFailure(report), { code: 'rollout.failed', hint });
  }
}
