// What a failure means, by where it happens: before the decision, remove what was
// prepared; after it, a forward flow switches back (a host refused the switch, a
// restart failed) or says the release is live but failed, and a flow that recovers
// back hands the stop to its own undo (rollout/gates.ts). Ctrl-C says where each host is.
import { internal } from '../core/internal.js';
import { DplError, HostsFailedError, InterruptedError, type HostFailure } from '../core/errors.js';
import type { DeployInfo } from '../deploy/config.js';
import { announce } from '../deploy/announce.js';
import { notifyFailure } from '../deploy/ends.js';
import { errorText, forHosts, runScript } from '../deploy/remote.js';
import { clearJournals, discard, record } from './steps.js';
import { undoMoved } from './undo.js';
import { PipelineStop, type PipelineRun } from './state.js';
import { releaseCommand } from '../deploy/task-names.js';
import type {} from './events.js'; // the EventMap entries this file emits

/** A step after the switch failed on these hosts (forward flows decide what follows). */
export class AfterSwitch extends Error {
  constructor(readonly step: string, readonly failures: HostFailure[]) {
    super(`${step} failed`);
  }
}

export function infoOf(run: PipelineRun): DeployInfo {
  return { release: run.name, ref: run.ref, hosts: run.hosts, strategy: run.spec.flow.name === 'in-place' ? 'pull' : (run.config.strategy ?? 'git') };
}

/** A failure anywhere: before the commit, undo the prepare; after it, the flow decides. Always throws. */
export async function onFailure(run: PipelineRun, e: Error, info: DeployInfo): Promise<never> {
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
  const detail = failures.map((f) => `  - ${f.host}: ${errorText(f.error, { tagged: f.host }).replace(/\n/g, '\n    ')}`).join('\n');
  const moved = [...run.moved, ...run.hosts.filter((h) => run.records.get(h.name)!.phase === 'unfinished')];
  const notMoved = run.hosts.filter((h) => run.records.get(h.name)!.phase === 'prepared');
  if (notMoved.length) await discard(run, notMoved, [], `${step} failed on ${failures.map((f) => f.host).join(', ')}`);
  const canGoBack = spec.action === 'rollback' || (run.config.autoRollback !== false && run.relsOf(moved).every((r) => run.journals.get(r.host.name)?.previous));
  const what = spec.action === 'rollback' ? `rollback to ${run.name}` : `deploy of ${run.name}`;
  if (canGoBack) {
    internal(c).emit('deploy.undo', { state: 'start', action: spec.action, step });
    const outcome = await undoMoved(run, moved, `${step} failed on ${failures.map((f) => f.host).join(', ')}`);
    if (outcome === true && spec.action === 'deploy') announce(c, 'rollback', { release: run.name, ref: run.ref, hosts: moved.map((h) => h.name), undo: { after: step } });
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
      code: 'deploy.after-switch',
      hint: outcome === true ? 'fix the problem and deploy again' : `check the hosts above; \`${releaseCommand(run.c)('releases')}\` shows what is live where, \`${releaseCommand(run.c)('recover')}\` finishes what it can`,
    });
    return failed(run, err);
  }
  await record(run, run.relsOf(run.moved), 'failed', () => ({ reason: `${step} failed on ${failures.map((f) => f.host).join(', ')}`, action: 'deploy' }), { done: true });
  const why = run.config.autoRollback === false ? 'autoRollback is off' : 'not every host has a previous release';
  return failed(run, new DplError(`${what} failed after the switch (${step}); ${run.name} is live on every host but marked failed (${why}):\n${detail}`, {
    code: 'deploy.after-switch',
    hint: run.relsOf(run.moved).every((r) => r.previous) ? `roll back with \`${releaseCommand(run.c)('rollback')}\`, or fix and deploy again` : 'fix the problem and deploy again',
  }));
}

export function interrupted(run: PipelineRun, where: string): InterruptedError {
  return new InterruptedError(`interrupted during ${where}: no host was switched; the release directories of ${run.name} were removed and the lock released`);
}

/** Ctrl-C after the switch: what is live and what is not, host by host; the journals finish it later. */
export function interruptedAfterSwitch(run: PipelineRun, step: string): InterruptedError {
  const rows = [...run.records.values()];
  const restarted = (phase: string) => phase === 'restarted' || phase === 'deployed' || phase === 'promoted';
  const lines = rows.map((r) =>
    r.current === run.name ? `  ${r.host}: live on ${run.name}, ${restarted(r.phase) ? 'restarted' : 'not restarted'}` : `  ${r.host}: on ${r.current ?? '-'}, not switched`,
  );
  const pending = rows.filter((r) => r.current === run.name && !restarted(r.phase)).map((r) => r.host);
  return new InterruptedError(`interrupted during ${step} of ${run.name}:\n${lines.join('\n')}`, {
    hint: pending.length ? `\`${releaseCommand(run.c)('recover')}\` restarts ${pending.join(', ')} and records the deploy (their journals keep it)` : undefined,
  });
}

export async function notify(run: PipelineRun, error: Error, info: DeployInfo): Promise<void> {
  if (run.spec.action !== 'deploy') return;
  await notifyFailure(run.c, run.config, info, error);
}

export async function failed(run: PipelineRun, error: Error): Promise<never> {
  await notify(run, error, infoOf(run));
  throw error;
}
