// `-z` bounds every phase of a rollout (issue #18), not only the plain deploy's
// (test/deploy/pool-size.test.ts): four bed hosts behind a real HAProxy, `-z 2`, a
// batch of three. What is in flight on each web host is measured two ways: its
// commands from the event stream, stamped as they arrive, and dpl's health GETs (the
// rollout's own check through the node's SSH connection and the LB step's check from
// the LB host) by the app itself, which answers them after 150 ms and logs when
// (support/app.ts, APP_HITS). At no moment may more than two web hosts be busy, going
// forward or rolling back.
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import type { DplEvent } from '../../src/core/events.js';
import { describeBed } from '../support/bed.js';
import { startLoad } from '../proxy/support/load.js';
import { startErrors } from '../support/rollout-app.js';
import { ofType, WEB } from './support/harness.js';
import { behindHaproxy } from './support/behind-haproxy.js';

/** [host, start, end, what] in ms on this machine's clock. */
type Busy = [string, number, number, string];

/** The most distinct hosts busy at one moment, and when (ends before starts at the same ms). */
function peak(spans: Busy[]): { most: number; at: string[] } {
  const edges = spans.flatMap(([host, s, e], i) => [
    { t: s, d: 1, host, i },
    { t: e, d: -1, host, i },
  ]);
  edges.sort((a, b) => a.t - b.t || a.d - b.d);
  const open = new Map<string, number>();
  let most = 0;
  let at: string[] = [];
  for (const x of edges) {
    open.set(x.host, (open.get(x.host) ?? 0) + x.d);
    if (!open.get(x.host)) open.delete(x.host);
    if (open.size > most) [most, at] = [open.size, [...open.keys()].sort()];
  }
  return { most, at };
}

/** Per web host, its commands' spans from the event stream (stamped on arrival). */
function commandSpans(): { onEvent: (e: DplEvent) => void; spans: Busy[] } {
  const spans: Busy[] = [];
  const started = new Map<string, number[]>();
  const key = (host: string, command: string) => `${host}\0${command}`;
  return {
    spans,
    onEvent: (e) => {
      if ((e.type !== 'command.start' && e.type !== 'command.end') || !WEB.includes(e.host)) return;
      const k = key(e.host, e.command);
      if (e.type === 'command.start') started.set(k, [...(started.get(k) ?? []), Date.now()]);
      else spans.push([e.host, started.get(k)!.shift()!, Date.now(), e.command]);
    },
  };
}

/** dpl's health GETs as the apps logged them. */
function probeSpans(file: string): Busy[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' '))
    .map(([host, s, e]) => [host!, Number(s), Number(e), 'GET /health'] as Busy);
}

describeBed('-z bounds every rollout phase, health checks and LB steps included (four hosts, HAProxy)', (bed) => {
  let dir: string | undefined;
  let hits: string;
  const env = behindHaproxy(bed, 'z', {
    appEnv: () => {
      // The apps run as the bed's login user: the log's directory is everyone's.
      dir = mkdtempSync(path.join(tmpdir(), 'dpl-rollout-z-'));
      chmodSync(dir, 0o777);
      hits = path.join(dir, 'hits.log');
      return { APP_HITS: hits, APP_PROBE_MS: '150' };
    },
    remove: () => [dir],
  });

  beforeAll(() => {
    rmSync(hits, { force: true });
  });

  it('rollout with -z 2 and a batch of three: never more than two web hosts busy, in commands or in health GETs', async () => {
    const cmds = commandSpans();
    // Traffic for the bake to judge (it is not logged: only dpl's health GETs are).
    const load = startLoad(env.hx.port, { workers: 2, maxMs: 60_000 });
    const r = await env.p.dpl(['rollout:v1.1.0,plan=1;100%'], { flags: { poolSize: 2 }, onEvent: cmds.onEvent });
    await load.stop();
    expect(r.error, r.error?.message).toBeUndefined();
    expect(ofType(r.events, 'rollout.batch').filter((e) => e.state === 'start').map((e) => e.hosts)).toEqual([['web-0'], ['web-1', 'web-2', 'web-3']]);

    const probes = probeSpans(hits);
    // Both checks ran on every host: the rollout's (two passes) and the LB step's (two passes), ≥ 4 GETs each.
    for (const h of WEB) expect(probes.filter(([host]) => host === h).length, `GETs on ${h}`).toBeGreaterThanOrEqual(4);
    const health = peak(probes);
    const commands = peak(cmds.spans);
    const all = peak([...cmds.spans, ...probes]);
    const why = JSON.stringify({ health, commands, all });
    // Bounded by 2, and 2 was reached (a batch of three did run two at once): the bound is -z, not seriality.
    expect(health.most, why).toBe(2);
    expect(commands.most, why).toBe(2);
    expect(all.most, why).toBe(2);
  });

  it('a rollout whose second batch fails its bake rolls four hosts back with -z 2: still never more than two busy', async () => {
    rmSync(hits, { force: true });
    const cmds = commandSpans();
    const load = startLoad(env.hx.port, { workers: 2, maxMs: 60_000 });
    // v1.3.0 answers 500 to every other request once its flag exists: set when batch 2 starts, so the canary passes.
    const r = await env.p.dpl(['rollout:v1.3.0,plan=1;100%'], {
      flags: { poolSize: 2 },
      onEvent: (e) => {
        cmds.onEvent(e);
        if (e.type === 'rollout.batch' && e.state === 'start' && e.batch === 2) startErrors(Object.values(env.p.paths));
      },
    });
    await load.stop();
    expect(r.error?.message).toMatch(/failed at batch 2\/2/);
    const back = ofType(r.events, 'rollout.rollback').filter((e) => e.state === 'host' && e.ok).map((e) => e.host);
    expect(back.sort()).toEqual(WEB);
    const probes = probeSpans(hits);
    // Batch 2's hosts were checked going forward and again going back (two checks of two passes each way).
    for (const h of WEB.slice(1)) expect(probes.filter(([host]) => host === h).length, `GETs on ${h}`).toBeGreaterThanOrEqual(8);
    const all = peak([...cmds.spans, ...probes]);
    const why = JSON.stringify({ health: peak(probes), commands: peak(cmds.spans), all });
    expect(all.most, why).toBe(2);
  });
});
