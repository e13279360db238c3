// One batch forward: prepare its hosts → out of rotation (drain, sessions end) →
// switch → restart → health check each host → the LB agrees → back into rotation
// → bake → promote. Each step reuses the deploy and proxy modules' per-host
// functions; a failure becomes a RolloutStop naming the check and the numbers.
import type { Host } from '../core/host.js';
import { HostsFailedError, InterruptedError } from '../core/errors.js';
import { failedBeforeCreating, prepareRelease } from '../deploy/prepare.js';
import { runHostHook, runOnceSteps, runRunHook } from '../deploy/hooks.js';
import { discardAll, reasons, recordAll, restartAll } from '../deploy/outcome.js';
import { switchAll } from '../deploy/switch.js';
import { errorText, forHosts } from '../deploy/remote.js';
import type { DeployInfo } from '../deploy/config.js';
import { bake } from './bake.js';
import { tell } from './events.js';
import { checkHealthAll } from './health.js';
import { hostList, RolloutStop, type RolloutRun } from './session.js';
import type { FailedCheck } from './report.js';

function failureLines(failures: { host: string; error: Error }[]): string {
  return failures.map((f) => `${f.host}: ${errorText(f.error).replace(`[${f.host}] `, '')}`).join('\n');
}

/** Run `step`; any error that is not already a RolloutStop becomes one for `check`. */
async function step<T>(s: RolloutRun, check: FailedCheck, batch: number, hosts: Host[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof RolloutStop) throw e;
    const interrupted = e instanceof InterruptedError || s.c.session.signal.aborted;
    throw s.stop(interrupted ? 'interrupted' : check, batch, hosts, errorText(e), undefined, e);
  }
}

export async function runBatch(s: RolloutRun, index: number, info: DeployInfo): Promise<void> {
  const { c, cfg } = s;
  const batch = s.batches[index]!;
  const n = index + 1;
  const of = s.batches.length;
  const names = batch.map((h) => h.name);
  const rels = s.relsOf(batch);
  tell(c, 'rollout.batch', { batch: n, of, hosts: names, state: 'start', release: s.name }, `batch ${n}/${of}: ${hostList(batch)}${n === 1 ? ' (canary)' : ''}`);

  // Prepare first: a broken build or a full disk is found while the hosts still serve.
  const started = new Set<string>();
  const prepared = await forHosts(c, batch, s.size, async (h) => {
    started.add(h.name);
    const rel = s.rels.get(h.name)!;
    await prepareRelease(c, rel, s.release, s.opts.source);
    if (s.release.hooks?.afterPrepare) {
      const hook = await runHostHook(c, 'afterPrepare', s.release.hooks.afterPrepare, [rel], 1);
      if (hook.failed.length) throw hook.failed[0]!.error;
    }
  });
  const discard = async (why: string, failures: { host: string; error: Error }[] = []) => {
    const mine = rels.filter((r) => started.has(r.host.name) && !failures.some((f) => f.host === r.host.name && failedBeforeCreating(f.error)));
    await discardAll(c, mine, reasons(mine, failures, why), s.size);
    s.phase(batch, 'old');
  };
  if (prepared.failed.length || prepared.notStarted.length || c.session.signal.aborted) {
    await discard(`prepare failed on ${prepared.failed.map((f) => f.host).join(', ') || 'another host'}`, prepared.failed);
    if (!prepared.failed.length) throw s.stop('interrupted', n, batch, 'interrupted while preparing');
    throw s.stop('prepare', n, batch, `prepare of ${s.name} failed (its release directories were removed):\n${failureLines(prepared.failed)}`);
  }
  s.phase(batch, 'prepared');

  try {
    if (index === 0) {
      if (s.release.once?.length) await runOnceSteps(c, s.release.once, s.relsOf(s.batches.flat()));
      await runRunHook(c, 'beforeSwitch', s.release.hooks?.beforeSwitch, info);
    }
    if (s.lb) await step(s, 'drain', n, batch, () => s.lb!.takeOut(c, batch, cfg.drainTimeoutMs ?? s.opts.proxy?.drainTimeoutMs ?? 60_000));
  } catch (e) {
    await discard(`rollout stopped before the switch: ${errorText(e)}`);
    if (e instanceof RolloutStop) throw e;
    throw s.stop(c.session.signal.aborted ? 'interrupted' : 'error', n, batch, errorText(e), undefined, e);
  }

  // All or nothing within the batch: switchAll switches the others back, or says which could not be.
  // The release directories stay (a host whose switch back failed may still point at one).
  await step(s, 'switch', n, batch, () => switchAll(c, s.switchItems(rels), s.size, `switch of batch ${n} to ${s.name}`));
  s.moved.push(...batch);
  s.phase(batch, 'switched', { current: s.name });

  await step(s, 'restart', n, batch, async () => {
    for (const [name, run] of [
      ['afterSwitch', () => runHostHook(c, 'afterSwitch', s.release.hooks?.afterSwitch, rels, s.size)],
      ['restart', () => restartAll(c, s.release, rels, s.size)],
    ] as const) {
      const fan = await run();
      const failures = [...fan.failed, ...fan.notStarted.map((h) => ({ host: h.name, error: new Error('interrupted before it started') }))];
      if (failures.length) throw new HostsFailedError(`${name} of batch ${n}`, failures);
    }
  });

  const health = await step(s, 'health', n, batch, () => checkHealthAll(c, batch, cfg.health, 'deploy', (h) => s.lb?.addresses.get(h.name)));
  const sick = health.filter((r) => !r.ok);
  if (sick.length) {
    const lines = sick.map((r) => `${r.host}: ${r.target} → ${r.detail} (${r.attempts} attempts in ${(r.elapsedMs / 1000).toFixed(1)} s)`);
    throw s.stop('health', n, batch, `no ${cfg.health.passes} good answers in a row within ${cfg.health.giveUpMs / 1000} s:\n${lines.join('\n')}`, {
      unhealthy: sick.length,
      passesNeeded: cfg.health.passes,
      giveUpMs: cfg.health.giveUpMs,
    });
  }
  if (s.lb) {
    await step(s, 'lb-health', n, batch, () => s.lb!.verify(c, batch));
    await step(s, 'drain', n, batch, () => s.lb!.putBack(batch));
  }
  s.phase(batch, 'live');
  tell(c, 'rollout.batch', { batch: n, of, hosts: names, state: 'live', release: s.name }, `batch ${n}/${of} is live on ${s.name}${s.lb ? ' and back in rotation' : ''}`);

  await step(s, 'error', n, batch, () => bake(s, index));

  const failed = await recordAll(c, rels, 'deployed', (r) => ({ action: 'deploy', from: r.previous }), s.size);
  for (const f of failed) c.on(batch.find((h) => h.name === f.host)!).warn(`could not record the deploy in history.jsonl: ${errorText(f.error)}`);
  s.phase(batch, 'promoted');
  const { samples, conclusive, failed: over } = s.samples(n);
  const baked = samples ? `: ${conclusive} of ${samples} samples conclusive, ${over} over the limit` : '';
  if (samples && !conclusive) c.warn(`batch ${n}: too little traffic reached it during the bake to judge its error rate`);
  tell(c, 'rollout.promote', { batch: n, of, hosts: names, release: s.name, samples, conclusive }, `batch ${n}/${of} promoted (${hostList(batch)})${baked}`);
}
