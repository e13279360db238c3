// The bake: with a batch back in rotation, sample HAProxy's counters every
// `sampleMs` for `durationMs` and let the BakeJudge decide. Each sample is an event
// with its numbers; a new node DOWN, or `failedSamples` samples over the limit,
// stops the rollout (the caller rolls back).
import { errorText } from '../deploy/remote.js';
import { sleep } from '../proxy/health.js';
import { BakeJudge, percent, type Snapshot } from './error-rate.js';
import { note, tell } from './events.js';
import type { RolloutRun } from './session.js';

export async function bake(s: RolloutRun, index: number): Promise<void> {
  const { c, cfg, lb } = s;
  const n = index + 1;
  const batch = s.batches[index]!;
  const b = cfg.bake;
  if (!lb) return note(c, `batch ${n}: no load balancer configured, so no bake (health checks only)`);
  if (b.durationMs <= 0) return note(c, `batch ${n}: bake.durationMs is 0, no bake`);
  const start = await lb.counters();
  if (!start) return note(c, `batch ${n}: the ${s.opts.proxy?.driver ?? 'haproxy'} driver has no per-server counters, so no bake (health checks only)`, 'warn');

  const fresh = lb.keysOf(batch);
  const moved = new Set(s.movedKeys());
  const old = [...start.keys()].filter((k) => !moved.has(k));
  const judge = new BakeJudge(fresh, old, b, start, [...moved]);
  note(c, `batch ${n}: baking for ${b.durationMs / 1000} s, a sample every ${b.sampleMs / 1000} s (limit ${percent(b.maxErrorRate)} or ${b.relativeFactor}× the old nodes' rate, at least ${b.minRequests} requests per sample, ${b.failedSamples} failed samples roll back)`);

  const end = Date.now() + b.durationMs;
  let readFailures = 0;
  while (Date.now() < end) {
    await sleep(Math.min(b.sampleMs, Math.max(0, end - Date.now())), c.session.signal);
    if (c.session.signal.aborted) throw s.stop('interrupted', n, batch, `interrupted during the bake of batch ${n}`);
    let snap: Snapshot | undefined;
    try {
      snap = await lb.counters();
      readFailures = 0;
    } catch (e) {
      // One unreadable sample is no verdict on the release; three in a row stop the rollout.
      if (++readFailures >= 3) throw s.stop('error', n, batch, `cannot read the load balancer's counters: ${errorText(e)}`, undefined, e);
      note(c, `batch ${n}: could not read the counters (${errorText(e)}); trying again`, 'warn');
      continue;
    }
    const sample = judge.observe(snap!);
    s.countSample(n, sample.verdict !== 'inconclusive', sample.verdict === 'fail');
    const level = sample.verdict === 'fail' ? 'warn' : 'info';
    tell(
      c,
      'rollout.sample',
      {
        batch: n,
        sample: sample.index,
        verdict: sample.verdict,
        newRequests: sample.fresh.requests,
        newErrors: sample.fresh.errors,
        rate: sample.rate,
        oldRequests: sample.old.requests,
        oldErrors: sample.old.errors,
        oldRate: sample.oldRate,
        limit: sample.limit,
        down: sample.down,
        failed: sample.failed,
        rollback: sample.rollback,
        reason: sample.reason,
      },
      `batch ${n} sample ${sample.index}: ${sample.verdict}: ${sample.reason}` + (sample.verdict === 'fail' ? ` (${sample.failed}/${b.failedSamples} failed)` : ''),
      { level },
    );
    if (sample.rollback) {
      const check = sample.down.length ? 'down' : 'error-rate';
      const numbers = {
        errors: sample.fresh.errors,
        requests: sample.fresh.requests,
        rate: sample.rate,
        limit: sample.limit,
        oldErrors: sample.old.errors,
        oldRequests: sample.old.requests,
        oldRate: sample.oldRate,
        failedSamples: sample.failed,
      };
      const message = sample.down.length
        ? `${sample.reason} during the bake (sample ${sample.index})`
        : `${sample.failed} of ${sample.index} samples over the limit; the last: ${sample.reason}`;
      throw s.stop(check, n, batch, message, numbers);
    }
  }
}
