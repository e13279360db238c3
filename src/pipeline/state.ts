// One run of the release pipeline while it runs: what it deploys where, each host's
// journal and place in the ledger, and the hosts that moved. It lives on the stack of
// one `runPipeline()` call, never in module state; flows and gates get it.
import type { Context } from '../core/context-types.js';
import type { Host } from '../core/host.js';
import type { FanOut } from '../core/fanout.js';
import type { ResolvedRef } from '../git/describe.js';
import type { HostRelease, ReleaseConfig } from '../deploy/config.js';
import type { HostState } from '../deploy/history.js';
import type { Layout } from '../deploy/layout.js';
import type { PrepareSource } from '../deploy/prepare.js';
import { forHosts, runScript } from '../deploy/remote.js';
import { infoOf, whoAmI } from '../deploy/history.js';
import type { FailedCheck, RolloutFailure } from '../rollout/report.js';
import type { Flow, Mover } from './flow.js';
import type { RecoveryLb } from '../rollout/config.js';
import { writeJournalSnippet, type Journal } from './journal.js';
import { renderHosts, type HostPhase, type HostRecord } from './ledger.js';

export interface PipelineSpec {
  action: 'deploy' | 'rollback';
  config: ReleaseConfig;
  hosts: Host[];
  layouts: Map<string, Layout>;
  size: number;
  flow: Flow;
  mover: Mover;
  /** What the lock says its holder is doing. */
  lockTarget: string;
  /** Deploy: the release's source (resolved once, before the lock). */
  resolved?: ResolvedRef;
  source?: PrepareSource;
  /** Rollback: the operator named the release (`deploy.rollback:<release>`). */
  explicit?: boolean;
  /** The LB in front of the hosts when it is not `config.proxy` (a rollout's): a recovery first drains through it. */
  rotation?: RecoveryLb;
  /** Rollback: the release to go back to, chosen from the locked hosts' states (may throw). */
  target?: (states: Map<string, HostState>) => { release: string; ref: ResolvedRef };
}

/** Thrown inside the pipeline to stop it; the flow's failure policy takes over. */
export class PipelineStop extends Error {
  /** The run it stopped (set as it leaves the pipeline), for the flow that reports. */
  run?: PipelineRun;
  /** What the flow's onStop did: every moved host back (true), some (partial), or none tried (false). */
  rolledBack: boolean | 'partial' = false;
  constructor(readonly failure: RolloutFailure, cause?: unknown) {
    super(failure.message, cause === undefined ? undefined : { cause });
  }
}

export class PipelineRun {
  /** Hosts switched to the new release, in batch order (what an undo puts back). */
  readonly moved: Host[] = [];
  readonly records = new Map<string, HostRecord>();
  readonly journals = new Map<string, Journal>();
  readonly started = Date.now();
  /** The decision to switch is on every target host. */
  committed = false;
  /** Hosts whose record script also cleaned up and released the lock (host-end.ts). */
  readonly ended = new Set<string>();

  constructor(
    readonly c: Context,
    readonly spec: PipelineSpec,
    readonly batches: Host[][],
    readonly name: string,
    readonly ref: ResolvedRef,
    readonly rels: Map<string, HostRelease>,
    readonly states: Map<string, HostState>,
    readonly id: string,
  ) {
    batches.forEach((batch, i) => {
      for (const h of batch) {
        const before = states.get(h.name)?.current;
        this.records.set(h.name, { host: h.name, batch: i + 1, servers: [], before, current: before, phase: 'old' });
        const s = states.get(h.name);
        this.journals.set(h.name, {
          v: 1,
          id,
          action: spec.action,
          release: name,
          flow: spec.flow.name,
          recover: spec.flow.recover,
          targets: spec.hosts.map((x) => x.name),
          previous: spec.flow.name === 'in-place' ? previousSha(s, rels.get(h.name)?.previous) : s?.currentLink,
          state: 'pending',
          ref: { ref: ref.ref, tag: ref.tag, sha: ref.sha, subject: ref.subject },
          by: `${whoAmI().user}@${whoAmI().machine} (pid ${process.pid})`,
          time: new Date().toISOString(),
        });
      }
    });
  }

  get config(): ReleaseConfig {
    return this.spec.config;
  }

  get size(): number {
    return this.spec.size;
  }

  get layouts(): Map<string, Layout> {
    return this.spec.layouts;
  }

  get hosts(): Host[] {
    return this.spec.hosts;
  }

  relsOf(hosts: readonly Host[]): HostRelease[] {
    return hosts.map((h) => this.rels.get(h.name)!);
  }

  phase(hosts: readonly Host[], phase: HostPhase, o: { current?: string; note?: string } = {}): void {
    for (const h of hosts) {
      const r = this.records.get(h.name)!;
      r.phase = phase;
      if ('current' in o) r.current = o.current;
      if (o.note !== undefined) r.note = o.note;
    }
  }

  /** Every host's state now, as the table outcomes print. */
  table(): string {
    return renderHosts({ hosts: [...this.records.values()] });
  }

  stop(check: FailedCheck, batch: number, hosts: readonly Host[], message: string, numbers?: RolloutFailure['numbers'], cause?: unknown): PipelineStop {
    return new PipelineStop({ check, batch, hosts: hosts.map((h) => h.name), message, numbers }, cause);
  }

  /** Update a host's journal as it will be written next. */
  journal(host: Host, patch: Partial<Journal>): Journal {
    const j = { ...this.journals.get(host.name)!, ...patch, time: new Date().toISOString() };
    this.journals.set(host.name, j);
    return j;
  }

  journalLines(host: Host, patch: Partial<Journal>): string {
    return writeJournalSnippet(this.layouts.get(host.name)!, this.journal(host, patch));
  }

  /** Write the journal on each host (uninterruptible: a half-written decision is worse than a late one). */
  writeJournals(hosts: readonly Host[], step: string, patch: (h: Host) => Partial<Journal>): Promise<FanOut<unknown>> {
    return forHosts(this.c, hosts, this.size, (h) => runScript(this.c, h, step, this.journalLines(h, patch(h))), { interruptible: false });
  }
}

/** In place, what to check out again to undo: the SHA of the release live before. */
function previousSha(s: HostState | undefined, previous: string | undefined): string | undefined {
  return s && previous ? infoOf(s, previous)?.sha : undefined;
}
