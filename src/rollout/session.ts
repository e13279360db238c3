// What a rollout adds to a pipeline run: its resolved settings, batches, load
// balancer and bake samples, and the report. The release, the hosts' places and
// the undo are the pipeline's (src/pipeline/state.ts); the gates see both.
import type { Context } from '../core/context-types.js';
import type { Host } from '../core/host.js';
import type { ResolvedRef } from '../git/describe.js';
import type { ReleaseConfig } from '../deploy/config.js';
import type { PrepareSource } from '../deploy/prepare.js';
import type { ProxyConfig } from '../proxy/config.js';
import { PipelineStop, type PipelineRun } from '../pipeline/state.js';
import type { HostPhase } from '../pipeline/ledger.js';
import type { ResolvedRollout, RolloutConfig } from './config.js';
import type { RolloutLb } from './lb.js';
import type { FailedCheck, RolloutFailure, RolloutReport } from './report.js';

export interface RolloutOptions {
  /** The hosts to roll out to, in order (batches take them from the front). Default: `c.targets.hosts`. */
  hosts?: Host[];
  /** The release to deploy, resolved once (`resolveForDeploy`). */
  resolved: ResolvedRef;
  /** git: `{ repoUrl }`; upload: `{ artifact }` (built by the pipeline when absent). */
  source: PrepareSource;
  /** The deploy config (`releaseTasks({...})`): layout, hooks, services, shared paths. */
  release: ReleaseConfig;
  /** The load balancers (`proxyTasks({...})` config). Without it: no drain, no bake, health checks only. */
  proxy?: ProxyConfig;
  rollout?: RolloutConfig;
  /** The CLI's `plan=1;50%;100%`; overrides the config. */
  plan?: readonly string[] | string;
}

export { PipelineStop as RolloutStop };

export class RolloutRun {
  /** The pipeline run, from the first batch on. */
  run!: PipelineRun;
  /** Hosts left on the new release that the LB could not take out of rotation (the hint says how). */
  stillInRotation: Host[] = [];

  constructor(
    readonly c: Context,
    readonly opts: RolloutOptions,
    readonly cfg: ResolvedRollout,
    readonly batches: Host[][],
    readonly lb: RolloutLb | undefined,
  ) {}

  get release(): ReleaseConfig {
    return this.opts.release;
  }

  get name(): string {
    return this.run.name;
  }

  /** Hosts switched to the new release, in batch order. */
  get moved(): Host[] {
    return this.run.moved;
  }

  phase(hosts: readonly Host[], phase: HostPhase, o: { current?: string; note?: string } = {}): void {
    this.run.phase(hosts, phase, o);
  }

  stop(check: FailedCheck, batch: number, hosts: readonly Host[], message: string, numbers?: RolloutFailure['numbers'], cause?: unknown): PipelineStop {
    return this.run.stop(check, batch, hosts, message, numbers, cause);
  }

  /** Hosts the LB should not count as old nodes: every host that runs (or ran) the new release. */
  movedKeys(): string[] {
    return this.lb?.keysOf(this.moved) ?? [];
  }

  report(ok: boolean, failure?: RolloutFailure, rolledBack: RolloutReport['rolledBack'] = false): RolloutReport {
    const records = this.run.records;
    const batchState = (i: number): RolloutReport['batches'][number]['state'] => {
      const phases = this.batches[i]!.map((h) => records.get(h.name)!.phase);
      if (phases.every((p) => p === 'promoted')) return 'promoted';
      if (failure?.batch === i + 1) return 'failed';
      return phases.every((p) => p === 'old') ? 'pending' : 'running';
    };
    return {
      ok,
      release: this.name,
      ref: this.opts.resolved.tag ?? this.opts.resolved.ref,
      sha: this.opts.resolved.sha,
      environment: this.cfg.environment,
      batches: this.batches.map((b, i) => ({ batch: i + 1, hosts: b.map((h) => h.name), state: batchState(i), ...this.samples(i + 1) })),
      hosts: [...records.values()].map((r) => ({ ...r })),
      failure,
      rolledBack,
      durationMs: Date.now() - this.run.started,
    };
  }

  private readonly sampleCounts = new Map<number, SampleCount>();

  countSample(batch: number, conclusive: boolean, failed: boolean): void {
    const s = this.sampleCounts.get(batch) ?? { samples: 0, conclusive: 0, failed: 0 };
    s.samples++;
    if (conclusive) s.conclusive++;
    if (failed) s.failed++;
    this.sampleCounts.set(batch, s);
  }

  samples(batch: number): SampleCount {
    return this.sampleCounts.get(batch) ?? { samples: 0, conclusive: 0, failed: 0 };
  }
}

export interface SampleCount {
  samples: number;
  conclusive: number;
  failed: number;
}

export function hostList(hosts: readonly Host[]): string {
  return hosts.map((h) => h.name).join(', ');
}
