// Rolling back every host a failed rollout moved: newest batch first (it is the
// one failing), each batch out of rotation → switched back to its previous release
// → restarted → health checked → the LB agrees → back into rotation. A host that
// cannot be brought back is left out of rotation and named in the report.
// With --no-rollback the failing batch only leaves rotation; nothing else changes.
import type { Host } from '../core/host.js';
import { fanOut } from '../core/fanout.js';
import { layoutOf } from '../deploy/layout.js';
import { refOfRelease } from '../deploy/history.js';
import { recordAll, restartAll } from '../deploy/outcome.js';
import { switchBack } from '../deploy/switch.js';
import { errorText } from '../deploy/remote.js';
import { note, tell } from './events.js';
import { checkHealthAll } from './health.js';
import { describeFailure, type RolloutFailure, type RolloutReport } from './report.js';
import { hostList, type RolloutRun } from './session.js';

export async function rollBack(s: RolloutRun, failure: RolloutFailure): Promise<RolloutReport['rolledBack']> {
  const { c } = s;
  const moved = new Set(s.moved.map((h) => h.name));
  const reason = describeFailure(failure, s.batches.length);
  const names = [...moved];
  if (!moved.size) {
    tell(c, 'rollout.rollback', { state: 'skipped', hosts: [], reason }, 'nothing to roll back: no host had switched to the new release');
    return false;
  }
  if (c.session.flags.noRollback || c.session.signal.aborted) {
    const why = c.session.flags.noRollback ? '--no-rollback' : 'interrupted';
    const failing = s.batches[failure.batch - 1]!.filter((h) => moved.has(h.name));
    const live = failing.filter((h) => s.records.get(h.name)!.phase === 'live');
    if (s.lb && live.length && !c.session.signal.aborted) {
      // Inspection should not cost users errors: the failing batch leaves rotation, still running.
      await s.lb.takeOut(c, live, s.cfg.drainTimeoutMs ?? 10_000).catch((e) => c.warn(`could not take ${hostList(live)} out of rotation: ${errorText(e)}`));
    }
    s.phase(s.moved, 'left');
    tell(c, 'rollout.rollback', { state: 'skipped', hosts: names, reason, detail: why }, `${why}: not rolling back ${names.join(', ')}; left on ${s.name} for inspection${live.length && s.lb ? ` (${hostList(live)} taken out of rotation)` : ''}`, { level: 'warn' });
    return false;
  }

  tell(c, 'rollout.rollback', { state: 'start', hosts: names, reason }, `rolling back ${names.join(', ')} (${reason})`, { level: 'warn' });
  const groups = [...s.batches].reverse().map((b) => b.filter((h) => moved.has(h.name))).filter((b) => b.length);
  let allBack = true;
  for (const group of groups) if (!(await rollBackGroup(s, group, reason))) allBack = false;
  tell(c, 'rollout.rollback', { state: 'end', hosts: names, reason, ok: allBack },
    allBack ? `rolled back ${names.join(', ')}` : `rollback finished with problems; see the host table`, { level: allBack ? 'info' : 'error' });
  return allBack ? true : 'partial';
}

async function rollBackGroup(s: RolloutRun, group: Host[], reason: string): Promise<boolean> {
  const { c } = s;
  const rels = s.relsOf(group);
  const fail = (h: Host, detail: string, phase: 'rollback-failed' | 'rolled-back' = 'rollback-failed') => {
    s.phase([h], phase, { note: detail });
    tell(c, 'rollout.rollback', { state: 'host', hosts: [h.name], host: h.name, ok: phase === 'rolled-back', reason, detail }, detail, { host: h.name, level: 'error' });
  };
  if (s.lb) {
    await s.lb.takeOut(c, group, s.cfg.drainTimeoutMs ?? s.opts.proxy?.drainTimeoutMs ?? 60_000).catch((e) =>
      c.warn(`could not take ${hostList(group)} out of rotation before rolling back (${errorText(e)}); rolling back anyway`),
    );
  }
  const backFailures = await switchBack(c, s.switchItems(rels), s.size);
  await recordAll(c, rels, 'failed', () => ({ reason: `rolled back by the rollout: ${reason}`, action: 'deploy' }), s.size);
  let ok = true;
  for (const f of backFailures) {
    ok = false;
    fail(group.find((h) => h.name === f.host)!, `switching back failed: ${errorText(f.error)}`);
  }
  const back = rels.filter((r) => !backFailures.some((f) => f.host === r.host.name));
  for (const r of back.filter((x) => !x.previous)) {
    s.phase([r.host], 'rolled-back', { current: undefined, note: 'no release before this one: `current` removed, left out of rotation' });
  }
  const prev = back
    .filter((r) => r.previous)
    .map((r) => ({ ...r, name: r.previous!, path: layoutOf(r.deployPath).release(r.previous!), previous: undefined, ref: refOfRelease(s.states.get(r.host.name)!, r.previous!) }));
  for (const r of prev) s.phase([r.host], 'rolled-back', { current: r.name });
  const restarted = await restartAll(c, s.release, prev, s.size, false);
  for (const f of restarted.failed) {
    ok = false;
    fail(group.find((h) => h.name === f.host)!, `restart after switching back failed: ${errorText(f.error)}`);
  }
  const up = prev.filter((r) => !restarted.failed.some((f) => f.host === r.host.name)).map((r) => r.host);
  const health = await checkHealthAll(c, up, s.cfg.health, 'rollback', (h) => s.lb?.addresses.get(h.name));
  for (const r of health.filter((x) => !x.ok)) {
    ok = false;
    fail(group.find((h) => h.name === r.host)!, `unhealthy after switching back: ${r.target} → ${r.detail}; left out of rotation`);
  }
  const healthy = up.filter((h) => health.find((r) => r.host === h.name)?.ok);
  const ready: Host[] = [];
  if (s.lb) {
    // One LB check per host, so one host the LB does not like keeps only itself out of rotation.
    const verified = await fanOut(healthy, (h) => s.lb!.verify(c, [h]), { limit: healthy.length });
    for (const f of verified.failed) {
      ok = false;
      fail(group.find((h) => h.name === f.host)!, `the load balancer does not see it healthy after switching back: ${errorText(f.error)}; left out of rotation`);
    }
    ready.push(...healthy.filter((h) => verified.succeeded.has(h.name)));
    try {
      await s.lb.putBack(ready);
    } catch (e) {
      ok = false;
      for (const h of ready) fail(h, `could not put it back into rotation: ${errorText(e)}`);
      return ok;
    }
  } else ready.push(...healthy);
  for (const h of ready) {
    const to = s.records.get(h.name)!.current;
    tell(c, 'rollout.rollback', { state: 'host', hosts: [h.name], host: h.name, ok: true, reason, to }, `back on ${to}${s.lb ? ' and in rotation' : ''}`, { host: h.name });
  }
  if (!ok) note(c, `some hosts of ${hostList(group)} could not be rolled back cleanly`, 'warn');
  return ok;
}
