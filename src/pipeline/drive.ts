// The pipeline's batches, step by step (pipeline.ts has the order in one picture),
// and what a failure at each point means: before the commit, remove what was
// prepared; after it, finish forward or undo, as the flow says.
import { internal } from '../core/internal.js';
import type { Host } from '../core/host.js';
import { DplError, HostsFailedError, InterruptedError, type HostFailure } from '../core/errors.js';
import type { DeployInfo } from '../deploy/config.js';
import { runOnceSteps, runRunHook } from '../deploy/hooks.js';
import { announce } from '../deploy/announce.js';
import { errorText, forHosts, runScript, shortSha } from '../deploy/remote.js';
import { commit, discard, outcomeUnknown, prepareBatch, record, restartBatch, switchBatch, clearJournals } from './steps.js';
import { undoMoved } from './undo.js';
import { PipelineStop, type PipelineRun } from './state.js';

/** A step after the switch failed on these hosts (forward flows decide what follows). */
class AfterSwitch extends Error {
  constructor(readonly step: string, readonly failures: HostFailure[]) {
    super(`${step} failed`);
  }
}

export function infoOf(run: PipelineRun): DeployInfo {
  return { release: run.name, ref: run.ref, hosts: run.hosts, strategy: run.spec.flow.name === 'in-place' ? 'pull' : (run.config.strategy ?? 'git') };
}

export async function drive(run: PipelineRun): Promise<void> {
  const { c, spec } = run;
  const info = infoOf(run);
  const hostNames = run.hosts.map((h) => h.name);
  const what = { release: run.name, ref: run.ref, hosts: hostNames };
  if (spec.action === 'deploy') {
    internal(c).emit('deploy.resolved', { ref: run.ref.ref, kind: run.ref.kind, tag: run.ref.tag, sha: run.ref.sha, subject: run.ref.subject, release: run.name });
    const how = spec.flow.name === 'canary' ? `rolling out ${run.ref.tag ?? run.ref.ref} as release ${run.name} in ${run.batches.length} batches` : `deploying ${run.ref.tag ?? run.ref.ref} (${shortSha(run.ref.sha)}) as release ${run.name} to ${hostNames.join(', ')}`;
    announce(c, 'start', spec.flow.name === 'in-place' ? `${how} (in place)` : how, what);
    await runRunHook(c, 'beforePrepare', run.config.hooks?.beforePrepare, info).catch((e: Error) => failed(run, e));
  }
  let dispose: (() => Promise<void>) | undefined;
  try {
    if (spec.action === 'deploy' && run.config.strategy === 'upload' && !spec.source?.artifact) {
      const { buildArtifact } = await import('../deploy/build.js');
      phase(run, 'build', 'start');
      const artifact = await buildArtifact(c, spec.config.repoDir ? (await import('../deploy/config.js')).repoDirOf(spec.config, c.session.root) : c.session.root, run.ref, run.name, run.config.build).catch((e: Error) => failed(run, e));
      dispose = artifact.dispose;
      spec.source = { ...spec.source, artifact: artifact.file };
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
      const lines = prepared.failed.map((f) => `${f.host}: ${errorText(f.error).replace(`[${f.host}] `, '')}`).join('\n');
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
  if (spec.action === 'deploy' && spec.flow.name !== 'canary' && !sw.failed.length) {
    announce(c, 'success', `release ${run.name} is live on ${moved.length} host${moved.length === 1 ? '' : 's'}`, { release: run.name, ref: run.ref, hosts: moved.map((h) => h.name) });
  }
  const rels = run.relsOf(moved);
  if (spec.mover.codeAfterSwitch) {
    const { runHostHook } = await import('../deploy/hooks.js');
    const hook = await runHostHook(c, 'afterPrepare', run.config.hooks?.afterPrepare, rels, run.size);
    if (hook.failed.length) throw new AfterSwitch('afterPrepare', hook.failed);
    await runOnceSteps(c, run.config.once ?? [], rels).catch((e: Error) => {
      throw new AfterSwitch('once', [{ host: 'once', error: e }]);
    });
  }
  const restart = await restartBatch(run, rels);
  if (restart.failed.length) {
    phase(run, restart.step, 'failed', restart.failed.map((f) => f.host));
    if (spec.flow.recover === 'back') throw run.stop('restart', n, hosts, errorText(new HostsFailedError(`${restart.step} of batch ${n}`, restart.failed)));
    throw new AfterSwitch(restart.step, restart.failed);
  }
  if (restart.notStarted.length || c.session.signal.aborted) {
    const done = run.relsOf(moved.filter((h) => run.records.get(h.name)!.phase === 'restarted'));
    if (spec.flow.recover === 'forward') await recordDeployed(run, done);
    throw interruptedAfterSwitch(run, restart.step);
  }
  await gates?.afterRestart?.(run, hosts, i);
  await recordDeployed(run, rels);
}

/** Record the hosts deployed; a forward flow's host is done then (journal removed), a canary's at the end. */
export async function recordDeployed(run: PipelineRun, rels: ReturnType<PipelineRun['relsOf']>): Promise<void> {
  const { spec } = run;
  const fields = (r: (typeof rels)[number]) => (spec.action === 'rollback' ? { action: 'rollback' as const, from: r.previous } : { action: 'deploy' as const, from: r.previous });
  if (spec.action === 'rollback') {
    const abandoned = rels.filter((r) => r.previous).map((r) => ({ ...r, name: r.previous!, path: run.layouts.get(r.host.name)!.release(r.previous!) }));
    await record(run, abandoned, 'rolled-back', () => ({ action: 'rollback', reason: `rolled back to ${run.name}` }), { done: false });
  }
  const failures = await record(run, rels, 'deployed', fields, { done: spec.flow.recover === 'forward' });
  for (const f of failures) run.c.on(rels.find((r) => r.host.name === f.host)!.host).warn(`could not record the deploy in history.jsonl: ${errorText(f.error)}`);
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
      { hint: `the decision to switch is recorded on every host; once ${names.join(', ')} can be reached, \`dpl deploy.recover\` (or the next deploy) finishes ${names.length === 1 ? 'it' : 'them'}` },
    );
    await notify(run, err, info);
    throw err;
  }
  if (spec.action === 'rollback') {
    await runRunHook(c, 'afterRollback', run.config.hooks?.afterRollback, info);
    announce(c, 'rollback', `rolled back to ${run.name}`, { release: run.name, ref: run.ref, hosts: run.hosts.map((h) => h.name) });
    return;
  }
  if (spec.flow.name !== 'canary') {
    await runRunHook(c, 'afterDeploy', run.config.hooks?.afterDeploy, info).catch((e: Error) => {
      throw new DplError(`release ${run.name} is live and recorded on every host, but ${e.message}`, { cause: e });
    });
  }
}

/** A failure anywhere: before the commit, undo the prepare; after it, the flow decides. Always throws. */
async function onFailure(run: PipelineRun, e: Error, info: DeployInfo): Promise<never> {
  const { spec } = run;
  const cause = e instanceof PipelineStop && e.cause instanceof Error ? e.cause : e;
  if (!run.committed) {
    const prepared = run.hosts.filter((h) => run.records.get(h.name)!.phase === 'prepared');
    if (prepared.length) await discard(run, prepared, [], `before the switch: ${errorText(cause)}`);
    if (e instanceof PipelineStop && spec.flow.name === 'canary') throw e;
    return failed(run, run.c.session.signal.aborted && !(cause instanceof InterruptedError) ? interrupted(run, 'prepare') : cause);
  }
  if (spec.flow.recover === 'back') {
    // The canary's own policy (rollout.ts) undoes with its gates and reports.
    const stop = e instanceof PipelineStop ? e : e instanceof AfterSwitch ? run.stop('restart', 1, run.batches[0]!, errorText(new HostsFailedError(e.step, e.failures))) : run.stop(run.c.session.signal.aborted ? 'interrupted' : 'error', 1, run.batches[0]!, errorText(e), undefined, e);
    stop.run = run;
    // What was prepared but never switched goes; later batches' journals go with it.
    const prepared = run.hosts.filter((h) => run.records.get(h.name)!.phase === 'prepared');
    if (prepared.length) await discard(run, prepared, [], `rollout stopped: ${stop.failure.message.split('\n')[0]}`);
    await spec.flow.gates?.onStop?.(run, stop);
    const untouched = run.hosts.filter((h) => run.records.get(h.name)!.phase === 'old' && !prepared.includes(h));
    if (untouched.length) await clearJournals(run, untouched);
    throw stop;
  }
  if (e instanceof InterruptedError) throw e;
  if (!(e instanceof AfterSwitch)) return switchFailed(run, cause instanceof HostsFailedError ? cause.failures : [{ host: run.hosts[0]!.name, error: cause }]);
  return afterSwitchFailed(run, e.step, e.failures, info);
}

/** A host refused the switch: the others go back (no restart: nothing ran the new code), every prepared release is removed. */
async function switchFailed(run: PipelineRun, failures: HostFailure[]): Promise<never> {
  const { c, spec } = run;
  await run.writeJournals(run.hosts, 'record the decision: undo the switch', () => ({ decision: 'revert' }));
  const moved = [...run.moved];
  const back = await forHosts(c, moved, run.size, (h) => runScript(c, h, `switch current back → ${run.journals.get(h.name)?.previous ?? '(none)'}`, spec.mover.switchBack(run, run.rels.get(h.name)!, run.journals.get(h.name)?.previous)), { interruptible: false });
  run.phase(moved.filter((h) => back.succeeded.has(h.name)), 'old', { current: undefined });
  const stuck = back.failed.map((f) => ({ host: f.host, error: new Error(`switched, and switching back failed: ${errorText(f.error)}; fix it by hand`) }));
  const cleanable = run.hosts.filter((h) => !stuck.some((f) => f.host === h.name));
  if (spec.mover.discard) await discard(run, cleanable, failures, 'the switch failed on another host');
  else await clearJournals(run, cleanable);
  const note = moved.length
    ? stuck.length
      ? ' (some hosts could not be switched back: see above)'
      : ` (the ${moved.length} host${moved.length === 1 ? '' : 's'} that had switched ${moved.length === 1 ? 'was' : 'were'} switched back)`
    : '';
  return failed(run, new HostsFailedError(`${spec.action === 'rollback' ? 'rollback' : 'switch'} to ${run.name}${note}`, [...failures, ...stuck]));
}

/**
 * A step after the commit failed on some hosts: switch every moved host back and
 * restart it (a rollback always; a deploy with autoRollback and a previous release
 * everywhere), or say plainly that the release is live but marked failed.
 */
async function afterSwitchFailed(run: PipelineRun, step: string, failures: HostFailure[], info: DeployInfo): Promise<never> {
  const { c, spec } = run;
  const detail = failures.map((f) => `  - ${f.host}: ${errorText(f.error).replace(`[${f.host}] `, '').replace(/\n/g, '\n    ')}`).join('\n');
  const moved = [...run.moved, ...run.hosts.filter((h) => run.records.get(h.name)!.phase === 'unfinished')];
  const notMoved = run.hosts.filter((h) => run.records.get(h.name)!.phase === 'prepared');
  if (notMoved.length) await discard(run, notMoved, [], `${step} failed on ${failures.map((f) => f.host).join(', ')}`);
  const canGoBack = spec.action === 'rollback' || (run.config.autoRollback !== false && run.relsOf(moved).every((r) => run.journals.get(r.host.name)?.previous));
  const what = spec.action === 'rollback' ? `rollback to ${run.name}` : `deploy of ${run.name}`;
  if (canGoBack) {
    c.warn(`${step} failed after the switch; switching every host back to ${spec.action === 'rollback' ? 'the release it ran before the rollback' : 'its previous release'}`);
    const outcome = await undoMoved(run, moved, `${step} failed on ${failures.map((f) => f.host).join(', ')}`);
    if (outcome === true && spec.action === 'deploy') announce(c, 'rollback', `switched every host back from ${run.name} after ${step} failed`, { release: run.name, ref: run.ref, hosts: moved.map((h) => h.name) });
    const rows = [...run.records.values()];
    const notBack = rows.filter((r) => r.note?.startsWith('switching back failed')).map((r) => r.host);
    const notRestarted = rows.filter((r) => r.note?.startsWith('restart after switching back failed')).map((r) => r.host);
    const back = spec.flow.name === 'in-place' ? 'checked out back to its previous commit' : `switched back to ${spec.action === 'rollback' ? 'the release it ran before' : 'its previous release'}`;
    const summary = notBack.length
      ? `switching back had problems:\n${run.table()}`
      : notRestarted.length
        ? `every host was ${back}, but restarting failed on ${notRestarted.join(', ')}`
        : `every host was ${back} and restarted; ${run.name} is marked failed`;
    const err = new DplError(`${what} failed after the switch (${step}):\n${detail}\n${summary}`, {
      hint: outcome === true ? 'fix the problem and deploy again' : 'check the hosts above; `dpl deploy.releases` shows what is live where, `dpl deploy.recover` finishes what it can',
    });
    return failed(run, err);
  }
  await record(run, run.relsOf(run.moved), 'failed', () => ({ reason: `${step} failed on ${failures.map((f) => f.host).join(', ')}`, action: 'deploy' }), { done: true });
  const why = run.config.autoRollback === false ? 'autoRollback is off' : 'not every host has a previous release';
  return failed(run, new DplError(`${what} failed after the switch (${step}); ${run.name} is live on every host but marked failed (${why}):\n${detail}`, {
    hint: run.relsOf(run.moved).every((r) => r.previous) ? 'roll back with `dpl deploy.rollback`, or fix and deploy again' : 'fix the problem and deploy again',
  }));
}

function interrupted(run: PipelineRun, where: string): InterruptedError {
  return new InterruptedError(`interrupted during ${where}: no host was switched; the release directories of ${run.name} were removed and the lock released`);
}

/** Ctrl-C after the switch: what is live and what is not, host by host; the journals finish it later. */
function interruptedAfterSwitch(run: PipelineRun, step: string): InterruptedError {
  const rows = [...run.records.values()];
  const restarted = (phase: string) => phase === 'restarted' || phase === 'deployed' || phase === 'promoted';
  const lines = rows.map((r) =>
    r.current === run.name ? `  ${r.host}: live on ${run.name}, ${restarted(r.phase) ? 'restarted' : 'not restarted'}` : `  ${r.host}: on ${r.current ?? '-'}, not switched`,
  );
  const pending = rows.filter((r) => r.current === run.name && !restarted(r.phase)).map((r) => r.host);
  return new InterruptedError(`interrupted during ${step} of ${run.name}:\n${lines.join('\n')}`, {
    hint: pending.length ? `\`dpl deploy.recover\` restarts ${pending.join(', ')} and records the deploy (their journals keep it)` : undefined,
  });
}

function phase(run: PipelineRun, p: string, state: 'start' | 'end' | 'failed', failedHosts?: string[]): void {
  internal(run.c).emit('deploy.phase', { action: run.spec.action, phase: p, state, release: run.name, hosts: run.hosts.map((h: Host) => h.name), failed: failedHosts });
}

async function notify(run: PipelineRun, error: Error, info: DeployInfo): Promise<void> {
  if (run.spec.action !== 'deploy') return;
  const { notifyFailure } = await import('../deploy/deploy.js');
  await notifyFailure(run.c, run.config, info, error);
}

async function failed(run: PipelineRun, error: Error): Promise<never> {
  await notify(run, error, infoOf(run));
  throw error;
}
