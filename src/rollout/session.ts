// The state of one rollout while it runs: the batches, each host's release and
// phase, the LB, and what has moved. Passed to the forward, bake and undo steps;
// it lives on the stack of one `rollout()` call, never in module state.
import type { Context } from '../core/context-types.js';
import type { Host } from '../core/host.js';
import type { ResolvedRef } from '../git/describe.js';
import type { HostRelease, ReleaseConfig } from '../deploy/config.js';
import type { PrepareSource } from '../deploy/prepare.js';
import type { SwitchItem } from '../deploy/switch.js';
import type { HostState } from '../deploy/history.js';
import type { Layout } from '../deploy/layout.js';
import type { ProxyConfig } from '../proxy/config.js';
import type { ResolvedRollout, RolloutConfig } from './config.js';
import type { RolloutLb } from './lb.js';
import type { FailedCheck, HostPhase, HostRecord, RolloutFailure, RolloutReport } from './report.js';

export interface RolloutOptions {
  /** The hosts to roll out to, in order (batches take them from the front). Default: `c.targets.hosts`. */
  hosts?: Host[];
  /** The release to deploy, resolved once (`resolveForDeploy`). */
  resolved: ResolvedRef;
  /** git: `{ repoUrl }`; upload: `{ artifact }` (built by `rolloutRelease` when absent). */
  source: PrepareSource;
  /** The deploy config (`releaseTasks({...})`): layout, hooks, services, shared paths. */
  release: ReleaseConfig;
  /** The load balancers (`proxyTasks({...})` config). Without it: no drain, no bake, health checks only. */
  proxy?: ProxyConfig;
  rollout?: RolloutConfig;
  /** The CLI's `plan=1;50%;100%`; overrides the config. */
  plan?: readonly string[] | string;
}

/** Thrown inside a rollout to stop it; the caller rolls back and throws a RolloutError. */
export class RolloutStop extends Error {
  constructor(readonly failure: RolloutFailure, cause?: unknown) {
    super(failure.message, cause === undefined ? undefined : { cause });
  }
}

export class RolloutRun {
  /** Hosts switched to the new release, in batch order. */
  readonly moved: Host[] = [];
  readonly records = new Map<string, HostRecord>();
  readonly started = Date.now();

  constructor(
    readonly c: Context,
    readonly opts: RolloutOptions,
    readonly cfg: ResolvedRollout,
    readonly batches: Host[][],
    readonly name: string,
    readonly rels: Map<string, HostRelease>,
    readonly states: Map<string, HostState>,
    readonly layouts: Map<string, Layout>,
    readonly size: number,
    readonly lb: RolloutLb | undefined,
  ) {
    batches.forEach((batch, i) => {
      for (const h of batch) {
        const before = states.get(h.name)?.current;
        this.records.set(h.name, { host: h.name, batch: i + 1, servers: lb?.keysOf([h]) ?? [], before, current: before, phase: 'old' });
      }
    });
  }

  get release(): ReleaseConfig {
    return this.opts.release;
  }

  relsOf(hosts: readonly Host[]): HostRelease[] {
    return hosts.map((h) => this.rels.get(h.name)!);
  }

  /** Switch items to the new release; undoing one restores `current` exactly as it was. */
  switchItems(rels: readonly HostRelease[]): SwitchItem[] {
    return rels.map((r): SwitchItem => ({ host: r.host, deployPath: r.deployPath, to: r.name, fromLink: this.states.get(r.host.name)?.currentLink }));
  }

  phase(hosts: readonly Host[], phase: HostPhase, o: { current?: string; note?: string } = {}): void {
    for (const h of hosts) {
      const r = this.records.get(h.name)!;
      r.phase = phase;
      if ('current' in o) r.current = o.current;
      if (o.note !== undefined) r.note = o.note;
    }
  }

  stop(check: FailedCheck, batch: number, hosts: readonly Host[], message: string, numbers?: RolloutFailure['numbers'], cause?: unknown): RolloutStop {
    return new RolloutStop({ check, batch, hosts: hosts.map((h) => h.name), message, numbers }, cause);
  }

  /** Hosts the LB should not count as old nodes: every host that runs (or ran) the new release. */
  movedKeys(): string[] {
    return this.lb?.keysOf(this.moved) ?? [];
  }

  report(ok: boolean, failure?: RolloutFailure, rolledBack: RolloutReport['rolledBack'] = false): RolloutReport {
    const batchState = (i: number): RolloutReport['batches'][number]['state'] => {
      const phases = this.batches[i]!.map((h) => this.records.get(h.name)!.phase);
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
      hosts: [...this.records.values()].map((r) => ({ ...r })),
      failure,
      rolledBack,
      durationMs: Date.now() - this.started,
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
