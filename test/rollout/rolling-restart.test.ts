// Rolling restarts end to end on the real sshd bed: four hosts running the test app
// behind a real HAProxy (reached as lb-0 over SSH), continuous load through it,
// `app.restart` (releaseTasks with a proxy and rollout config) driven in-process.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeBed } from '../support/bed.js';
import { startLoad } from '../proxy/support/load.js';
import type { DplEvent } from '../../src/core/events.js';
import { logs, ofType, WEB } from './support/harness.js';
import { behindHaproxy } from './support/behind-haproxy.js';

describeBed('rolling restart behind HAProxy on the sshd bed', (bed) => {
  const env = behindHaproxy(bed, 'restart');

  const pid = (h: string) => readFileSync(path.join(env.p.paths[h]!, 'shared', 'app.pid'), 'utf8').trim();
  const pids = () => Object.fromEntries(WEB.map((h) => [h, pid(h)]));
  const setMode = (h: string, mode: string) => writeFileSync(path.join(env.p.paths[h]!, 'current', 'MODE'), `${mode}\n`);
  const allReady = async () => {
    expect(await env.hx.admin()).toEqual(Object.fromEntries(WEB.map((h) => [h, 'ready'])));
  };
  const dpl = async (tokens: string[], o: { signal?: AbortSignal; onEvent?: (e: DplEvent) => void; dryRun?: boolean } = {}) => {
    const { error, events } = await env.p.dpl(tokens, { signal: o.signal, onEvent: o.onEvent, flags: { dryRun: o.dryRun } });
    return { error: error as (Error & { exitCode?: number; hint?: string }) | undefined, events };
  };

  it('restarts 4 hosts in batches 1, 50%, 100% under load: 0 failed requests, every app process restarted', async () => {
    const before = pids();
    const load = startLoad(env.hx.port, { workers: 4, maxMs: 60_000 });
    const r = await dpl(['app.restart']);
    const report = await load.stop();
    expect(r.error, r.error?.message).toBeUndefined();
    expect(report.failures).toEqual([]);
    expect(report.total).toBeGreaterThan(50);
    const after = pids();
    for (const h of WEB) expect(after[h], h).not.toBe(before[h]);
    const batches = ofType(r.events, 'rollout.batch');
    expect(batches.filter((e) => e.state === 'start').map((e) => e.hosts)).toEqual([['web-0'], ['web-1'], ['web-2', 'web-3']]);
    expect(batches.filter((e) => e.state === 'live').map((e) => e.batch)).toEqual([1, 2, 3]);
    expect(ofType(r.events, 'rollout.health').filter((e) => e.outcome === 'passed' && e.phase === 'restart').map((e) => e.host).sort()).toEqual(WEB);
    expect(ofType(r.events, 'rollout.restart')).toEqual([expect.objectContaining({ ok: true, drained: [], batches: [['web-0'], ['web-1'], ['web-2', 'web-3']] })]);
    const lines = logs(r.events);
    expect(lines).toContain('restart batch 1/3: web-0');
    expect(lines.some((l) => /^rolling restart finished: 4 hosts in 3 batches/.test(l))).toBe(true);
    for (const h of WEB) expect(existsSync(path.join(env.p.paths[h]!, '.dpl-lock'))).toBe(false);
    await allReady();
  });

  it('a host whose restart fails its health check stops the run at its batch, stays drained, later batches untouched, exit 1', async () => {
    const before = pids();
    setMode('web-1', 'unhealthy'); // the app reads MODE when it starts: its restart comes up sick
    const load = startLoad(env.hx.port, { workers: 4, maxMs: 60_000 });
    const r = await dpl(['app.restart']);
    const report = await load.stop();
    try {
      expect(r.error).toBeDefined();
      expect(r.error!.exitCode).toBe(1);
      expect(r.error!.message).toMatch(/^rolling restart stopped at batch 2\/3 \(web-1\): health check failed/);
      expect(r.error!.message).toMatch(/web-1: GET http:\/\/127\.0\.10\.\d+:\d+\/health via web-1 → 503 Service Unavailable/);
      expect(r.error!.message).toMatch(/\nweb-1 stays out of rotation \(drained\)\n/);
      expect(r.error!.message).toMatch(/\nbatch 1 \(web-0\) restarted and back in rotation\n/);
      expect(r.error!.message).toMatch(/\nbatch 3 \(web-2, web-3\) not touched$/);
      expect(r.error!.hint).toMatch(/fix web-1.*proxy\.all/);
      expect(report.failures).toEqual([]);
      const after = pids();
      expect(after['web-0']).not.toBe(before['web-0']);
      expect(after['web-1']).not.toBe(before['web-1']);
      expect(after['web-2']).toBe(before['web-2']);
      expect(after['web-3']).toBe(before['web-3']);
      expect(await env.hx.admin()).toEqual({ 'web-0': 'ready', 'web-1': 'drain', 'web-2': 'ready', 'web-3': 'ready' });
      expect(ofType(r.events, 'rollout.batch').filter((e) => e.state === 'start').map((e) => e.batch)).toEqual([1, 2]);
      expect(ofType(r.events, 'rollout.restart')).toEqual([expect.objectContaining({ ok: false, drained: ['web-1'], failedBatch: 2 })]);
      for (const h of WEB) expect(existsSync(path.join(env.p.paths[h]!, '.dpl-lock'))).toBe(false);
    } finally {
      // Heal web-1 and put it back, as the hint says (`proxy.all`).
      setMode('web-1', 'healthy');
      await env.hx.command('set server app/web-1 state ready');
      expect((await dpl(['app.restart:plan=1'])).error).toBeUndefined();
    }
    await allReady();
  });

  it('refuses a plan that would take every live server out (exit 2), and a dry run only says the plan; no host restarted', async () => {
    const before = pids();
    const r = await dpl(['app.restart:plan=100%']);
    expect(r.error?.message).toMatch(/^restart plan 100% would leave a backend with no live server:\n  - batch 1: backend app would have no live server/);
    expect(r.error?.exitCode).toBe(2);
    const dry = await dpl(['app.restart:plan=2;100%'], { dryRun: true });
    expect(dry.error).toBeUndefined();
    expect(logs(dry.events)).toEqual(['rolling restart of 4 hosts in 2 batches (2 → 4 of 4 hosts): 1: web-0, web-1; 2: web-2, web-3', 'dry run: no host and no load balancer is contacted']);
    expect(pids()).toEqual(before);
    for (const h of WEB) expect(existsSync(path.join(env.p.paths[h]!, '.dpl-lock'))).toBe(false);
    await allReady();
  });

  it('takes the deploy lock: a held lock refuses the restart before any host is touched', async () => {
    const before = pids();
    const lock = path.join(env.p.paths['web-3']!, '.dpl-lock');
    mkdirSync(lock, { recursive: true });
    writeFileSync(path.join(lock, 'info.json'), JSON.stringify({ user: 'alice', machine: 'laptop', pid: 4242, time: 'x', target: 'deploy.release:stable' }));
    try {
      const r = await dpl(['app.restart']);
      expect(r.error?.message).toMatch(/web-3: deploy lock .* is held by alice@laptop \(pid 4242/);
      expect(ofType(r.events, 'rollout.batch')).toEqual([]);
      expect(pids()).toEqual(before);
      for (const h of ['web-0', 'web-1', 'web-2']) expect(existsSync(path.join(env.p.paths[h]!, '.dpl-lock'))).toBe(false);
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
    await allReady();
  });

  it('Ctrl-C between batches stops cleanly: the next batches untouched, every host in rotation, exit 130', async () => {
    const before = pids();
    const ac = new AbortController();
    const r = await dpl(['app.restart'], { signal: ac.signal, onEvent: (e) => e.type === 'rollout.batch' && e.state === 'live' && e.batch === 1 && ac.abort() });
    expect(r.error?.exitCode).toBe(130);
    expect(r.error?.message).toMatch(/^rolling restart stopped at batch 2\/3 \(web-1\): interrupted \(Ctrl-C\) before the batch started/);
    const after = pids();
    expect(after['web-0']).not.toBe(before['web-0']);
    for (const h of ['web-1', 'web-2', 'web-3']) expect(after[h], h).toBe(before[h]);
    for (const h of WEB) expect(existsSync(path.join(env.p.paths[h]!, '.dpl-lock'))).toBe(false);
    await allReady();
  });
});
