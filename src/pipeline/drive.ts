// The pipeline's batches, step by step (pipeline.ts has the order in one picture);
// what a failure at each point means is in failures.ts.
import { internal } from '../core/internal.js';
import type { Host } from '../core/host.js';
import { DplError, HostsFailedError, InterruptedError } from '../core/errors.js';
import type { DeployInfo } from '../deploy/config.js';
import { runOnceSteps, runRunHook } from '../deploy/hooks.js';
import { announce } from '../deploy/announce.js';
import { afterSuccess } from '../deploy/ends.js';
import { errorText } from '../deploy/remote.js';
import { commit, discard, outcomeUnknown, prepareBatch, record, restartBatch, switchBatch, clearJournals } from './steps.js';
import { AfterSwitch, failed, infoOf, interrupted, interruptedAfterSwitch, notify, onFailure } from './failures.js';
import type { PipelineRun } from './state.js';
import { cleansUp, endsAtRecord } from './host-end.js';
import { releaseCommand } from '../deploy/task-names.js';
import { whoAmI } from '../deploy/history.js';
import type {} from '../deploy/events.js'; // the EventMap entries this file emits

export async function drive(run: PipelineRun): Promise<void> {
  const { c, spec } = run;
  const info = infoOf(run);
  const hostNames = run.hosts.map((h) => h.name);
  const what = { release: run.name, ref: run.ref, hosts: hostNames };
  if (spec.action === 'deploy') {
    const { user, machine } = whoAmI();
    internal(c).emit('deploy.resolved', { ref: run.ref.ref, kind: run.ref.kind, tag: run.ref.tag, sha: run.ref.sha, subject: run.ref.subject, release: run.name, by: `${user}@${machine}` });
    announce(c, 'start', { ...what, flow: spec.flow.name, ...(spec.flow.name === 'canary' ? { batches: run.batches.length } : {}) });
    await runRunHook(c, 'beforePrepare', run.config.hooks?.beforePrepare, info).catch((e: Error) => failed(run, e));
  }
  let dispose: (() => Promise<void>) | undefined;
  try {
    if (spec.action === 'deploy' && run.config.strategy === 'upload' && !spec.source?.shipment) {
      phase(run, 'build', 'start');
      const built = await buildOutput(run).catch((e: Error) => failed(run, e));
      dispose = built.dispose;
      phase(run, 'build', 'end');
    }
    if (c.session.signal.aborted) throw new InterruptedError('interrupted before prepare: nothing was changed; the lock was released');
    for (let i = 0; i < run.batches.length; i++) await batch(run, i, info);
  } catch (e) {
    await onFailure(run, e as Error, info);
  } finally {
    await dispose?.();
  }
  await finish(run, info);
}

/** Build (or unpack the given artifact), then scan the output once for every host's upload. */
async function buildOutput(run: PipelineRun): Promise<{ dispose: () => Promise<void> }> {
  const { c, spec } = run;
  const { buildArtifact, unpackArtifact } = await import('../deploy/build.js');
  const { Shipment } = await import('../deploy/shipment.js');
  const { repoDirOf } = await import('../deploy/config.js');
  const artifact = spec.source?.artifact
    ? await unpackArtifact(c, spec.source.artifact)
    : await buildArtifact(c, spec.config.repoDir ? repoDirOf(spec.config, c.session.root) : c.session.root, run.ref, run.name, run.config.build);
  try {
    const shipment = await Shipment.scan(artifact.dir, { reuse: run.config.build?.reuse ?? run.config.reuse, compress: run.config.build?.compress, dryRun: c.session.flags.dryRun });
    internal(c).emit('deploy.built', { release: run.name, files: shipment.fileCount, treeBytes: shipment.treeBytes });
    spec.source = { ...spec.source, shipment };
    return artifact;
  } catch (e) {
    await artifact.dispose();
    throw e;
  }
}

async function batch(run: PipelineRun, i: number, info: DeployInfo): Promise<void> {
  const { c, spec } = run;
  const hosts = run.batches[i]!;
  const n = i + 1;
  const gates = spec.flow.gates;
  await gates?.batchStart?.(run, hosts, i);
  if (spec.mover.prepare) {
    phase(run, 'prepare', 'start');
    const started = new Set<string>();
    const prepared = await prepareBatch(run, hosts, started);
    if (prepared.failed.length || prepared.notStarted.length || c.session.signal.aborted) {
      const tried = hosts.filter((h) => started.has(h.name));
      await discard(run, tried, prepared.failed, prepared.failed.length ? `prepare failed on ${prepared.failed.map((f) => f.host).join(', ')}` : 'interrupted');
      if (!prepared.failed.length) throw run.stop('interrupted', n, hosts, 'interrupted while preparing', undefined, interrupted(run, 'prepare'));
      phase(run, 'prepare', 'failed', prepared.failed.map((f) => f.host));
      const lines = prepared.failed.map((f) => `${f.host}: ${errorText(f.error, { tagged: f.host })}`).join('\n');
      throw run.stop('prepare', n, hosts, `prepare of ${run.name} failed (its release directories were removed):\n${lines}`, undefined,
        new HostsFailedError(`prepare of release ${run.name} (no host was switched; release directories removed)`, prepared.failed));
    }
    phase(run, 'prepare', 'end');
  }
  if (i === 0 && spec.action === 'deploy') {
    if (run.config.once?.length && !spec.mover.codeAfterSwitch) await runOnceSteps(c, run.config.once, run.relsOf(run.hosts.filter((h) => run.records.get(h.name)!.phase === 'prepared')));
    await runRunHook(c, 'beforeSwitch', run.config.hooks?.beforeSwitch, info);
  }
  await gates?.beforeSwitch?.(run, hosts, i);
  if (i === 0) {
    if (c.session.signal.aborted) throw run.stop('interrupted', n, hosts, 'interrupted before the switch', undefined, interrupted(run, 'prepare'));
    const refused = await commit(run);
    if (refused.length) {
      throw new HostsFailedError(`recording the decision to switch to ${run.name} (nothing was switched; the prepared release was removed)`, refused);
    }
  }

  phase(run, 'switch', 'start');
  const sw = await switchBatch(run, hosts);
  const definite = sw.failed.filter((f) => !outcomeUnknown(f.error));
  if (definite.length || (sw.failed.length && spec.flow.recover === 'back')) {
    phase(run, 'switch', 'failed', sw.failed.map((f) => f.host));
    throw run.stop('switch', n, hosts, `switch of ${hosts.length > 1 ? `batch ${n}` : hosts[0]!.name} to ${run.name} failed`, undefined, new HostsFailedError(`switch to ${run.name}`, sw.failed));
  }
  phase(run, 'switch', 'end');
  const moved = hosts.filter((h) => sw.succeeded.has(h.name));
  const rels = run.relsOf(moved);
  if (spec.mover.codeAfterSwitch) {
    const { runHostHook } = await import('../deploy/hooks.js');
    const hook = await runHostHook(c, 'afterPrepare', run.config.hooks?.afterPrepare, rels, run.size);
    if (hook.failed.length) throw new AfterSwitch('afterPrepare', hook.failed);
    await runOnceSteps(c, run.config.once ?? [], rels).catch((e: Error) => {
      throw new AfterSwitch('once', [{ host: 'once', error: e }]);
    });
  }
  // A deploy records each host as it restarts; a rollback records only once all restarted (a failed
  // restart undoes it, and the release it left must not be marked rolled-back meanwhile).
  const eachHost = spec.flow.recover === 'forward' && spec.action === 'deploy';
  const restart = await restartBatch(run, rels, eachHost ? (rel) => recordDeployed(run, [rel]) : undefined);
  if (restart.failed.length) {
    phase(run, restart.step, 'failed', restart.failed.map((f) => f.host));
    if (spec.flow.recover === 'back') throw run.stop('restart', n, hosts, errorText(new HostsFailedError(`${restart.step} of batch ${n}`, restart.failed)));
    throw new AfterSwitch(restart.step, restart.failed);
  }
  if (restart.notStarted.length || c.session.signal.aborted) throw interruptedAfterSwitch(run, restart.step);
  await gates?.afterRestart?.(run, hosts, i);
  if (!eachHost) await recordDeployed(run, rels);
  // Success once it restarted too (a restart failing after the switch undoes it); a canary's comes in finish().
  if (spec.action === 'deploy' && spec.flow.name !== 'canary' && !sw.failed.length) {
    announce(c, 'success', { release: run.name, ref: run.ref, hosts: moved.map((h) => h.name) });
  }
}

/** Record the hosts deployed; a forward flow's host is done then (journal removed), a canary's at the end. */
export async function recordDeployed(run: PipelineRun, rels: ReturnType<PipelineRun['relsOf']>): Promise<void> {
  const { spec } = run;
  const fields = (r: (typeof rels)[number]) => (spec.action === 'rollback' ? { action: 'rollback' as const, from: r.previous } : { action: 'deploy' as const, from: r.previous });
  if (spec.action === 'rollback') {
    const abandoned = rels.filter((r) => r.previous).map((r) => ({ ...r, name: r.previous!, path: run.layouts.get(r.host.name)!.release(r.previous!) }));
    await record(run, abandoned, 'rolled-back', () => ({ action: 'rollback', reason: `rolled back to ${run.name}` }), { done: false });
  }
  const failures = await record(run, rels, 'deployed', fields, { done: spec.flow.recover === 'forward', end: endsAtRecord(run) });
  for (const f of failures) internal(run.c).emit('deploy.unrecorded', { host: f.host, what: 'deploy', error: errorText(f.error) });
  run.phase(rels.filter((r) => !failures.some((f) => f.host === r.host.name)).map((r) => r.host), spec.flow.name === 'canary' ? 'promoted' : 'deployed');
}

async function finish(run: PipelineRun, info: DeployInfo): Promise<void> {
  const { c, spec } = run;
  if (spec.flow.name === 'canary') await clearJournals(run, run.hosts);
  const unfinished = [...run.records.values()].filter((r) => r.phase === 'unfinished');
  if (unfinished.length) {
    const names = unfinished.map((r) => r.host);
    const err = new DplError(
      `${run.name} is live on ${run.moved.map((h) => h.name).join(', ')}; unfinished on ${names.join(', ')} (no answer: ${unfinished.map((r) => r.note).join('; ')}):\n${run.table()}`,
      { code: 'deploy.unfinished', hint: `the decision to switch is recorded on every host; once ${names.join(', ')} can be reached, \`${releaseCommand(c)('recover')}\` (or the next deploy) finishes ${names.length === 1 ? 'it' : 'them'}` },
    );
    await notify(run, err, info);
    throw err;
  }
  if (spec.action === 'rollback') {
    await runRunHook(c, 'afterRollback', run.config.hooks?.afterRollback, info);
    announce(c, 'rollback', { release: run.name, ref: run.ref, hosts: run.hosts.map((h) => h.name) });
    return;
  }
  if (spec.flow.name === 'canary') announce(c, 'success', { release: run.name, ref: run.ref, hosts: run.hosts.map((h) => h.name) });
  await runRunHook(c, 'afterDeploy', run.config.hooks?.afterDeploy, info).catch((e: Error) => {
    throw new DplError(`release ${run.name} is live and recorded on every host, but ${errorText(e)}`, { code: 'hook.failed', cause: e });
  });
  // Cleanup and the deploy tag, still under the lock (cleanup deletes releases).
  const left = { ...run.spec, hosts: run.spec.hosts.filter((h) => !run.ended.has(h.name)) };
  await afterSuccess(c, cleansUp(run) && left.hosts.length ? run.config : { ...run.config, cleanup: false }, left, run.ref);
}

function phase(run: PipelineRun, p: string, state: 'start' | 'end' | 'failed', failedHosts?: string[]): void {
  internal(run.c).emit('deploy.phase', { action: run.spec.action, phase: p, state, release: run.name, hosts: run.hosts.map((h: Host) => h.name), failed: failedHosts });
}
