// The bake: with a batch back in rotation, sample the bake source's counters
// (HAProxy's by default, or `bake.source`: sources/) every `sampleMs` for
// `durationMs` and let the BakeJudge decide. Each sample is an event
// with its numbers; a new node DOWN, or `failedSamples` samples over the limit,
// stops the rollout (the caller rolls back). No traffic is no evidence: with fewer
// than `minConclusive` conclusive samples the bake samples on up to `maxDurationMs`,
// then stops the rollout ('inconclusive') unless the config says to promote anyway.
import type { Host } from '../core/host.js';
import { errorText } from '../deploy/remote.js';
import { sleep } from '../proxy/health.js';
import { BakeJudge, bakeStep, nextSampleDelay, windowOf, type BakeStep, type Snapshot } from './error-rate.js';
import { tell } from './events.js';
import type { RolloutRun } from './session.js';
import { haproxyCounters } from './sources/haproxy.js';
import { BakeSourceError } from './sources/source.js';

const secs = (ms: number) => (ms / 1000).toFixed(1);

export async function bake(s: RolloutRun, index: number): Promise<void> {
  const { c, cfg, lb } = s;
  const n = index + 1;
  const batch = s.batches[index]!;
  const b = cfg.bake;
  if (b.durationMs <= 0) return tell(c, 'rollout.bake', { batch: n, state: 'off' });
  const source = b.source ?? haproxyCounters();
  const opened = source.open({ c, batch, moved: s.moved, hosts: s.batches.flat(), lb, driver: s.opts.proxy?.driver });
  if ('none' in opened) return tell(c, 'rollout.bake', { batch: n, state: 'unavailable', source: source.name, reason: opened.none, lb: !!lb });
  const reader = opened;
  let readFailures = 0;
  const start = await readCounters();

  const fresh = reader.fresh;
  const moved = new Set(reader.moved);
  const old = [...start.keys()].filter((k) => !moved.has(k));
  const judge = new BakeJudge(fresh, old, b, start, [...moved]);
  const { durationMs, sampleMs, maxErrorRate, relativeFactor, minRequests, failedSamples, minConclusive, maxDurationMs } = b;
  tell(c, 'rollout.bake', { batch: n, state: 'start', source: source.name, durationMs, sampleMs, maxErrorRate, relativeFactor, minRequests, failedSamples, minConclusive, maxDurationMs });

  const t0 = Date.now();
  let step: BakeStep = bakeStep(0, 0, b);
  let last: Snapshot = start;
  while (step === 'sample' || step === 'extend') {
    await sleep(nextSampleDelay(Date.now() - t0, b.sampleMs, step, b), c.session.signal);
    if (c.session.signal.aborted) throw s.stop('interrupted', n, batch, `interrupted during the bake of batch ${n}`);
    const snap = await readCounters(true);
    if (snap) {
      last = snap;
      observe(snap);
    }
    const was = step;
    step = bakeStep(Date.now() - t0, judge.conclusive, b);
    if (step === 'extend' && was === 'sample') {
      tell(c, 'rollout.bake', { batch: n, state: 'extend', conclusive: judge.conclusive, samples: judge.samples, elapsedMs: Date.now() - t0, minConclusive, maxDurationMs });
    }
  }
  if (step === 'inconclusive') inconclusive(s, n, batch, judge, windowOf(start, last, fresh)?.requests ?? null, Date.now() - t0);

  async function readCounters(): Promise<Snapshot>;
  async function readCounters(retry: true): Promise<Snapshot | undefined>;
  async function readCounters(retry = false): Promise<Snapshot | undefined> {
    try {
      const snap = await reader.read();
      readFailures = 0;
      return snap;
    } catch (e) {
      if (c.session.signal.aborted) throw s.stop('interrupted', n, batch, `interrupted during the bake of batch ${n}`);
      // One unreadable sample is no verdict on the release; three in a row, a query the
      // source rejects, or no starting point at all stop the rollout: the batch is not promoted.
      const permanent = e instanceof BakeSourceError && e.permanent;
      if (!retry || permanent || ++readFailures >= 3) {
        throw s.stop('counters', n, batch, `cannot read ${source.name}: ${errorText(e)}`, undefined, e);
      }
      tell(c, 'rollout.bake', { batch: n, state: 'retry', source: source.name, error: errorText(e) });
      return undefined;
    }
  }

  function observe(snap: Snapshot): void {
    const sample = judge.observe(snap);
    s.countSample(n, sample.verdict !== 'inconclusive', sample.verdict === 'fail');
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
        failedSamples: b.failedSamples,
      },
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

/** maxDurationMs is over with too few conclusive samples: stop the rollout, or promote if the config says so. */
function inconclusive(s: RolloutRun, n: number, batch: Host[], judge: BakeJudge, requests: number | null, elapsedMs: number): void {
  const b = s.cfg.bake;
  const evidence = `${judge.conclusive} of ${judge.samples} samples conclusive in ${secs(elapsedMs)} s (need ${b.minConclusive})`;
  if (s.cfg.inconclusive === 'promote') {
    return tell(s.c, 'rollout.bake', { batch: n, state: 'promote-inconclusive', conclusive: judge.conclusive, samples: judge.samples, elapsedMs, minConclusive: b.minConclusive });
  }
  const seen = requests === null ? 'the counters were reset during the bake' : `${requests} request${requests === 1 ? '' : 's'} reached the new nodes in all`;
  throw s.stop(
    'inconclusive',
    n,
    batch,
    `only ${evidence}: ${seen}, and a sample needs ${b.minRequests}.\n` +
      `Send traffic through the load balancer during the bake, lower bake.minRequests, or set rollout inconclusive: 'promote' to promote without evidence.`,
    { samples: judge.samples, conclusive: judge.conclusive, minConclusive: b.minConclusive, requests, minRequests: b.minRequests, elapsedMs, maxDurationMs: b.maxDurationMs },
  );
}
