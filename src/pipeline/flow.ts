// How hosts flow through the one release pipeline (pipeline.ts), as values:
// - all at once: one batch, no gates (`deploy:<ref>`);
// - canary: batches with gates around each switch (rollout/gates.ts);
// - in place: one batch, the code checked out in `current` (strategy pull).
// And how a host gets the code and goes live (a Mover): a release directory and an
// atomic symlink switch, a checkout in place, or (rollback) an existing release.
import type { Host } from '../core/host.js';
import type { FlowName } from './journal.js';
import type { PipelineRun, PipelineStop } from './state.js';
import type { HostRelease } from '../deploy/config.js';

/** Checks around each batch's switch; any of them stops the run by throwing (run.stop). */
export interface Gates {
  /** A batch begins (before its prepare): e.g. say which batch this is. */
  batchStart?(run: PipelineRun, batch: Host[], index: number): Promise<void>;
  /** Before a batch switches: out of rotation, sessions drained. */
  beforeSwitch?(run: PipelineRun, batch: Host[], index: number): Promise<void>;
  /** After a batch restarted: health checks, the LB agrees, back into rotation, the bake. */
  afterRestart?(run: PipelineRun, batch: Host[], index: number): Promise<void>;
  /** Undo of a group of hosts: before they switch back (out of rotation). */
  beforeUndo?(run: PipelineRun, hosts: Host[]): Promise<void>;
  /** Undo: after they switched back and restarted; returns the hosts that did not come back healthy. */
  afterUndo?(run: PipelineRun, hosts: Host[]): Promise<Host[]>;
  /** The run stopped after the commit (a flow that recovers back): undo, or leave for inspection, still under the lock. */
  onStop?(run: PipelineRun, stop: PipelineStop): Promise<void>;
}

export interface Flow {
  readonly name: FlowName;
  /** Batches in order: each is prepared, switched and restarted (and gated) before the next. */
  batches(hosts: readonly Host[]): Host[][];
  /** A run that cannot finish: the next dpl command completes the switch, or undoes it. */
  readonly recover: 'forward' | 'back';
  readonly gates?: Gates;
}

export const allAtOnce: Flow = { name: 'all', batches: (hosts) => [[...hosts]], recover: 'forward' };

/** Strategy pull: `current` is a checkout; the switch is the checkout itself. */
export const inPlace: Flow = { name: 'in-place', batches: (hosts) => [[...hosts]], recover: 'forward' };

/** Canary: batches (rollout/plan.ts) with gates; an unfinished canary is undone, never finished unjudged. */
export function canary(batches: Host[][], gates: Gates): Flow {
  return { name: 'canary', batches: () => batches, recover: 'back', gates };
}

/** How one host gets the code and goes live, and how that is undone. */
export interface Mover {
  /** Make the release on the host; absent: it is there already (rollback). `extra` lines end its last script. */
  prepare?(run: PipelineRun, rel: HostRelease, extra: string[]): Promise<void>;
  /** Shell that undoes `prepare` on the host and records the release failed. */
  discard?(run: PipelineRun, rel: HostRelease, reason: string): string;
  /** Shell that makes `rel` live on its host. */
  switchTo(run: PipelineRun, rel: HostRelease): string;
  /** Shell that puts back what was live before (`previous` in the journal). */
  switchBack(run: PipelineRun, rel: HostRelease, previous: string | undefined): string;
  /** The hooks that need the new code on disk (afterPrepare) run after the switch (in place). */
  readonly codeAfterSwitch?: boolean;
}
