// Words for the rollout's events (src/rollout/events.ts): the plan, batches, health
// checks, bake samples, promotion, rollback, and the end of a rollout or restart.
import type { EventOf, FormatContext, Formats } from './types.js';
import type { RolloutEvent } from '../../rollout/events.js';
import { describePlan } from '../../rollout/plan.js';
import { percent } from '../../rollout/error-rate.js';

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
const secs = (ms: number): string => (ms / 1000).toFixed(1);

export const rolloutFormats: Formats<RolloutEvent> = {
  'rollout.plan': (e, f) => {
    const plan = `${plural(e.batches.length, 'batch', 'batches')} (${describePlan(e.batches)})`;
    const head =
      e.kind === 'rollout'
        ? `rollout of ${e.target ?? '?'} in ${plan}: ${e.batches.map((b, i) => `${i + 1}: ${b.join(', ')}${typeof e.shares[i] === 'number' ? ` at ${e.shares[i]}% of the traffic` : ''}`).join('; ')}`
        : `rolling restart of ${plural(e.batches.flat().length, 'host')} in ${plan}: ${e.batches.map((b, i) => `${i + 1}: ${b.join(', ')}`).join('; ')}`;
    return lines(f.line(undefined, 'info', head), e.dryRun ? f.line(undefined, 'info', 'dry run: no host and no load balancer is contacted') : undefined);
  },
  'rollout.no-lb': (e, f) =>
    f.line(
      undefined,
      'warn',
      e.kind === 'restart'
        ? 'no proxy config: batches are not taken out of rotation (health checks only)'
        : `no proxy config: batches are not taken out of rotation and ${e.bakeSource ? `are baked on ${e.bakeSource}` : 'not baked (health checks only)'}`,
    ),
  'rollout.source': (e, f) => f.line(undefined, e.ok ? 'info' : 'warn', e.message),
  'rollout.bake': (e, f) => {
    const at = `batch ${e.batch}: `;
    switch (e.state) {
      case 'off':
        return f.line(undefined, 'info', `${at}bake.durationMs is 0, no bake`);
      case 'unavailable':
        return f.line(undefined, e.lb ? 'warn' : 'info', at + e.reason);
      case 'start':
        return f.line(
          undefined,
          'info',
          `${at}baking for ${e.durationMs / 1000} s on ${e.source}, a sample every ${e.sampleMs / 1000} s (limit ${percent(e.maxErrorRate)} or ${e.relativeFactor}× the old nodes' rate, ` +
            `at least ${e.minRequests} requests per sample, ${e.failedSamples} failed samples roll back; ${e.minConclusive} conclusive samples needed, waiting up to ${e.maxDurationMs / 1000} s for them)`,
        );
      case 'extend':
        return f.line(undefined, 'info', `${at}${e.conclusive} of ${e.samples} samples conclusive after ${secs(e.elapsedMs)} s (need ${e.minConclusive}); baking on, up to ${e.maxDurationMs / 1000} s`);
      case 'retry':
        return f.line(undefined, 'warn', `${at}could not read ${e.source} (${e.error}); trying again`);
      case 'promote-inconclusive':
        return f.line(
          undefined,
          'warn',
          `${at}promoting without evidence: ${e.conclusive} of ${e.samples} samples conclusive in ${secs(e.elapsedMs)} s (need ${e.minConclusive}); rollout.inconclusive is 'promote'`,
        );
    }
  },
  'rollout.batch': (e, f) => batchLine(e, f),
  'rollout.health': (e, f) => {
    if (e.outcome === 'passed') return f.line(e.host, 'info', `healthy: ${plural(e.need, 'good answer')} in a row to ${e.target} (${secs(e.elapsedMs)} s)`);
    if (e.outcome === 'gave-up') {
      return f.line(e.host, 'error', `health check failed: no ${e.need} good answers in a row to ${e.target} within ${e.giveUpMs / 1000} s; last answer: ${e.detail} (${e.attempts} attempts)`);
    }
    // A node still booting is normal: failures are info once per distinct answer, repeats are debug.
    const text = e.ok ? `${e.target} → ${e.detail} (${e.passes}/${e.need})` : `not healthy yet: ${e.target} → ${e.detail}; retrying for up to ${e.giveUpMs / 1000} s`;
    return f.line(e.host, e.repeat ? 'debug' : 'info', text);
  },
  'rollout.sample': (e, f) =>
    f.line(
      undefined,
      e.verdict === 'fail' ? 'warn' : 'info',
      `batch ${e.batch} sample ${e.sample}: ${e.verdict}: ${e.reason}` + (e.verdict === 'fail' ? ` (${e.failed}/${e.failedSamples} failed)` : ''),
    ),
  'rollout.promote': (e, f) =>
    f.line(
      undefined,
      'info',
      `batch ${e.batch}/${e.of} promoted (${e.hosts.join(', ')})` + (e.samples ? `: ${e.conclusive} of ${e.samples} samples conclusive, ${e.failed} over the limit` : ''),
    ),
  'rollout.rollback': (e, f) => rollbackLine(e, f),
  'rollout.end': (e, f) =>
    e.ok
      ? f.line(undefined, 'info', `rollout of ${e.release} finished: ${plural(e.hosts, 'host')} in ${e.batches} batches, ${secs(e.durationMs)} s`)
      : f.line(undefined, 'error', `rollout of ${e.release} failed`),
  'rollout.restart': (e, f) =>
    e.ok
      ? f.line(undefined, 'info', `rolling restart finished: ${plural(e.batches.flat().length, 'host')} in ${e.batches.length} batches, ${secs(e.durationMs)} s`)
      : f.line(undefined, 'error', `rolling restart stopped at batch ${e.failedBatch ?? '?'}/${e.batches.length}`),
  'rollout.problem': (e, f) => {
    const hosts = e.hosts.join(', ');
    if (e.action === 'rollback') return f.line(undefined, 'warn', `the rollback itself failed: ${e.error}`);
    return f.line(undefined, 'warn', e.action === 'take-out' ? `could not take ${hosts} out of rotation: ${e.error}` : `could not put ${hosts} back into rotation: ${e.error}`);
  },
};

function batchLine(e: EventOf<'rollout.batch'>, f: FormatContext): string | undefined {
  const n = `${e.batch}/${e.of}`;
  const hosts = e.hosts.join(', ');
  if (e.kind === 'restart') {
    if (e.state === 'start') return f.line(undefined, 'info', `restart batch ${n}: ${hosts}`);
    if (e.state === 'live') return f.line(undefined, 'info', `restart batch ${n} restarted${e.rotation ? ' and back in rotation' : ''} (${hosts})`);
    return f.line(undefined, 'error', `restart batch ${n} failed: ${e.detail ?? 'failed'}`);
  }
  if (e.state === 'start') return f.line(undefined, 'info', `batch ${n}: ${hosts}${e.batch === 1 ? ' (canary)' : ''}`);
  if (e.state === 'live') return f.line(undefined, 'info', `batch ${n} is live on ${e.release}${e.rotation ? ' and back in rotation' : ''}`);
  return f.line(undefined, 'error', `${e.reason ?? `batch ${n} (${hosts}) failed`}: ${e.detail ?? 'failed'}`);
}

function rollbackLine(e: EventOf<'rollout.rollback'>, f: FormatContext): string | undefined {
  const names = e.hosts.join(', ');
  switch (e.state) {
    case 'skipped':
      if (!e.detail) return f.line(undefined, 'info', 'nothing to roll back: no host had switched to the new release');
      return f.line(
        undefined,
        'warn',
        `${e.detail}: not rolling back ${names}; left on ${e.release ?? '?'} for inspection${inspection(e)}` +
          (e.recover ? `; \`${e.recover}\` rolls them back` : ''),
      );
    case 'start':
      return f.line(undefined, 'warn', `rolling back ${names} (${e.reason})`);
    case 'host':
      return e.ok ? f.line(e.host, 'info', `back on ${e.to ?? '?'}${e.rotation ? ' and in rotation' : ''}`) : f.line(e.host, 'error', e.detail ?? 'rollback failed');
    case 'end':
      return e.ok
        ? f.line(undefined, 'info', `rolled back ${names}`)
        : lines(f.line(undefined, 'error', 'rollback finished with problems; see the host table'), f.line(undefined, 'warn', 'some hosts could not be rolled back cleanly'));
  }
}

/** Where the live hosts left for inspection stand with the load balancer. */
function inspection(e: EventOf<'rollout.rollback'>): string {
  if (e.takenOut?.length) return ` (${e.takenOut.join(', ')} taken out of rotation)`;
  if (e.stillInRotation?.length) return ` (${e.stillInRotation.join(', ')} still in rotation)`;
  return '';
}

/** Several optional lines as one text (undefined when all are hidden). */
function lines(...parts: Array<string | undefined>): string | undefined {
  const shown = parts.filter((p): p is string => p !== undefined);
  return shown.length ? shown.join('\n') : undefined;
}
