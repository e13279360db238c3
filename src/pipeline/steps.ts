// The pipeline's named steps on a batch of hosts: prepare, commit (the decision on
// every target), switch, restart, record, and discarding what was prepared. Each is
// one fan-out with one result shape; what a failure means is the flow's to decide
// (pipeline.ts), so the steps only report which hosts did what.
import { internal } from '../core/internal.js';
import type { Context } from '../core/context-types.js';
import type { Host } from '../core/host.js';
import { CommandError, type HostFailure } from '../core/errors.js';
import type { FanOut } from '../core/fanout.js';
import type { HostRelease } from '../deploy/config.js';
import { runHostHook } from '../deploy/hooks.js';
import { appendSnippet, newRecord, type HistoryRecord, type ReleaseStatus } from '../deploy/history.js';
import { failedBeforeCreating } from '../deploy/prepare.js';
import { errorText, forHosts, runScript, timedStep } from '../deploy/remote.js';
import { cycleServices } from '../deploy/services.js';
import type { ReleaseConfig } from '../deploy/config.js';
import type { Layout } from '../deploy/layout.js';
import { clearJournalSnippet } from './journal.js';
import { hostEnd, reportEnd } from './host-end.js';
import type { PipelineRun } from './state.js';
import type {} from './events.js'; // the EventMap entries this file emits

/** Did the host answer? A command that exited non-zero did; a lost connection or a timeout says nothing. */
export function outcomeUnknown(error: Error): boolean {
  return !(error instanceof CommandError) || error.status === null;
}

/** Prepare each host of the batch (journal claimed as the directory is made), then its afterPrepare hook. */
export async function prepareBatch(run: PipelineRun, batch: Host[], started: Set<string>): Promise<FanOut<void>> {
  const { c, spec } = run;
  return forHosts(c, batch, run.size, async (h) => {
    started.add(h.name);
    const rel = run.rels.get(h.name)!;
    await timedStep(c, h, 'prepare', async () => {
      await spec.mover.prepare!(run, rel, [run.journalLines(h, { state: 'prepared' })]);
      run.phase([h], 'prepared');
      if (run.config.hooks?.afterPrepare && !spec.mover.codeAfterSwitch) {
        const hook = await runHostHook(c, 'afterPrepare', run.config.hooks.afterPrepare, [rel], 1);
        if (hook.failed.length) throw hook.failed[0]!.error;
      }
    }, { release: run.name });
  });
}

/** Remove what was prepared on these hosts and record it failed (never throws; warns). */
export async function discard(run: PipelineRun, hosts: Host[], failures: HostFailure[], fallback: string): Promise<void> {
  const discardScript = run.spec.mover.discard;
  const mine = run.relsOf(hosts).filter((r) => !failures.some((f) => f.host === r.host.name && failedBeforeCreating(f.error)));
  const why = reasons(mine, failures, fallback);
  const fan = await forHosts(
    run.c,
    mine.map((r) => r.host),
    run.size,
    async (h) => {
      const rel = run.rels.get(h.name)!;
      const script = discardScript ? discardScript(run, rel, why.get(h.name) ?? fallback) : clearJournalSnippet(run.layouts.get(h.name)!, run.id);
      await runScript(run.c, h, discardScript ? `remove unswitched release ${rel.name}` : 'clear the deploy journal', script);
    },
    { interruptible: false },
  );
  run.phase(mine.map((r) => r.host), 'old');
  for (const f of fan.failed) internal(run.c).emit('deploy.undo', { state: 'discard-failed', host: f.host, error: errorText(f.error) });
}

/**
 * The decision, before the first host switches: "commit R" in every target host's
 * journal. Only when every host has it may any host switch; returns the hosts that
 * could not record it (then nothing switches).
 */
export async function commit(run: PipelineRun): Promise<HostFailure[]> {
  const prepared = new Set([...run.records.values()].filter((r) => r.phase === 'prepared').map((r) => r.host));
  const state = (h: Host) => (prepared.has(h.name) || !run.spec.mover.prepare ? 'prepared' : 'pending');
  const fan = await run.writeJournals(run.hosts, `record the decision: switch to ${run.name}`, (h) => ({ decision: 'commit', state: state(h) }));
  if (!fan.failed.length) run.committed = true;
  return fan.failed;
}

/** Switch the batch (uninterruptible: one rename per host); the journal says `switched` in the same script. */
export async function switchBatch(run: PipelineRun, batch: Host[]): Promise<FanOut<unknown>> {
  const { c, spec } = run;
  const fan = await forHosts(
    c,
    batch,
    run.size,
    (h) => {
      const rel = run.rels.get(h.name)!;
      return timedStep(c, h, 'switch', () => runScript(c, h, `switch current → ${run.name}`, spec.mover.switchTo(run, rel)), { release: run.name, from: rel.previous });
    },
    { interruptible: false },
  );
  const moved = batch.filter((h) => fan.succeeded.has(h.name));
  run.moved.push(...moved);
  run.phase(moved, 'switched', { current: run.name });
  for (const f of fan.failed) {
    if (outcomeUnknown(f.error)) run.phase([batch.find((h) => h.name === f.host)!], 'unfinished', { note: errorText(f.error).split('\n')[0] });
  }
  return fan;
}

/**
 * afterSwitch hooks, then services and the restart hook, on the batch; failures (and
 * hosts never started) collected. `done` runs on each host as soon as it restarted
 * (a forward flow records it there and then, so a host is never restarted twice).
 */
export async function restartBatch(
  run: PipelineRun,
  rels: HostRelease[],
  done?: (rel: HostRelease) => Promise<void>,
): Promise<{ failed: HostFailure[]; notStarted: Host[]; step: string }> {
  const { c } = run;
  const restartOne = async (h: Host) => {
    const rel = rels.find((r) => r.host === h)!;
    await timedStep(c, h, 'restart', async () => {
      const one = await restartAll(c, run.config, [rel], 1, false);
      if (one.failed.length) throw one.failed[0]!.error;
    }, { release: run.name });
    run.phase([h], 'restarted');
    await done?.(rel);
  };
  for (const [step, go] of [
    ['afterSwitch', () => runHostHook(c, 'afterSwitch', run.config.hooks?.afterSwitch, rels, run.size)],
    ['restart', () => forHosts(c, rels.map((r) => r.host), run.size, restartOne)],
  ] as const) {
    const fan = await go();
    if (fan.failed.length || fan.notStarted.length) return { failed: fan.failed, notStarted: [...fan.notStarted], step };
  }
  return { failed: [], notStarted: [], step: 'restart' };
}

/**
 * Append one history record per host and (with `done`) remove the host's journal in
 * the same script: a host is finished exactly when its record is written.
 */
export async function record(
  run: PipelineRun,
  rels: HostRelease[],
  status: ReleaseStatus,
  extra: (rel: HostRelease) => Partial<HistoryRecord>,
  o: { done: boolean; end?: boolean },
): Promise<HostFailure[]> {
  const fan = await forHosts(
    run.c,
    rels.map((r) => r.host),
    run.size,
    async (h) => {
      const rel = rels.find((r) => r.host === h)!;
      const rec = newRecord(rel.name, status, { resolved: rel.ref, strategy: rel.strategy, ...extra(rel) });
      const l = run.layouts.get(h.name)!;
      const end = o.end ? hostEnd(run, rel, rec) : undefined;
      const script = recordSnippet(l, [rec], o.done ? run.id : undefined);
      const { stdout } = await timedStep(run.c, h, 'record', () => runScript(run.c, h, `record ${rel.name} ${status}${end ? ' and end' : ''}`, end ? `${script}\n${end.script}` : script), { release: rel.name });
      internal(run.c).emit('deploy.status', { host: h.name, release: rel.name, status, reason: rec.reason, from: rec.from });
      if (end) reportEnd(run, h, end, stdout);
    },
    { interruptible: false },
  );
  return fan.failed;
}

/** Append the records; with `doneId`, then remove that run's journal (the host is finished). */
export function recordSnippet(l: Layout, records: HistoryRecord[], doneId?: string): string {
  // The journal goes only once the record is written: a host is never finished without its record.
  return [`{ ${appendSnippet(l, records)}; } || exit 1`, ...(doneId ? [clearJournalSnippet(l, doneId)] : [])].join('\n');
}

/** Remove this run's journal where it is still kept (the end of a canary, or a host with nothing to record). */
export async function clearJournals(run: PipelineRun, hosts: Host[]): Promise<HostFailure[]> {
  const fan = await forHosts(run.c, hosts, run.size, (h) => runScript(run.c, h, 'clear the deploy journal', clearJournalSnippet(run.layouts.get(h.name)!, run.id)), {
    interruptible: false,
  });
  return fan.failed;
}

/** Why each host's release is being thrown away, for its history record. */
export function reasons(rels: HostRelease[], failures: HostFailure[], fallback: string): Map<string, string> {
  const own = new Map(failures.map((f) => [f.host, errorText(f.error, { tagged: f.host })]));
  return new Map(rels.map((r) => [r.host.name, own.get(r.host.name) ?? fallback]));
}

/** Restart after a switch: configured services, then the restart hook. Failures collected. */
export async function restartAll(c: Context, config: ReleaseConfig, rels: HostRelease[], size: number, interruptible = true) {
  return runHostHook(
    c,
    'restart',
    async (hc, rel) => {
      await cycleServices(hc, config.services);
      await config.hooks?.restart?.(hc, rel);
    },
    rels,
    size,
    { interruptible },
  );
}
