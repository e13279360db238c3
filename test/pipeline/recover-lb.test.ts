// Recovery behind a load balancer (src/pipeline/recover.ts, src/rollout/recovery.ts): four
// bed hosts running the test app behind a real HAProxy (lb-0 over SSH), load through it.
// A recovery that restarts a host (switching it back, or finishing a deploy) takes it out
// of rotation first and puts it back once healthy, as a rollout's batch does: the restart
// hook reads the host's admin state from HAProxy's socket as it runs, and no request fails.
import { readFileSync, readlinkSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBed } from '../support/bed.js';
import { freePort } from '../proxy/support/backends.js';
import { startLoad } from '../proxy/support/load.js';
import type { Haproxy } from '../proxy/support/haproxy.js';
import { deployfile } from '../../src/core/deployfile.js';
import type { DplEvent } from '../../src/core/events.js';
import { releaseTasks, type ReleaseConfig } from '../../src/deploy/tasks.js';
import type { ProxyConfig } from '../../src/proxy/config.js';
import type { RolloutConfig } from '../../src/rollout/index.js';
import { createSshPool } from '../../src/ssh/pool.js';
import { harness } from '../helpers/in-process.js';
import { areaLines } from '../helpers/words.js';
import { appRepo, restartHook, stopApps, type AppRepo } from '../support/rollout-app.js';
import { haproxyFor, ofType, WEB } from '../rollout/support/harness.js';

describeBed('recovery drains through the load balancer', (bed) => {
  let repo: AppRepo;
  let hx: Haproxy | undefined;
  let port: number;
  const paths = Object.fromEntries(WEB.map((h) => [h, path.join(bed.hosts[h]!.root, `recover-lb-${process.pid}`)]));
  const proxy: ProxyConfig = {
    lb: 'lb-0',
    backends: ['app'],
    groups: {},
    haproxy: { socket: '(set below)', timeoutMs: 5000 },
    health: { path: '/health', intervalMs: 100, passes: 2, timeoutMs: 5000, requestTimeoutMs: 1000 },
    drainTimeoutMs: 5000,
    pollMs: 100,
  };
  const rollout: RolloutConfig = {
    health: { passes: 2, intervalMs: 100, timeoutMs: 1000, giveUpMs: 5000 },
    bake: { durationMs: 1000, sampleMs: 250, minRequests: 5, maxErrorRate: 0.05, relativeFactor: 2, failedSamples: 2 },
  };
  /** Each restart as it begins: the host and its admin state on HAProxy then (none: no HAProxy yet). */
  const restarts: Array<[string, string]> = [];

  const current = (h: string) => path.basename(readlinkSync(path.join(paths[h]!, 'current')));
  const currents = () => Object.fromEntries(WEB.map((h) => [h, current(h)]));
  const version = (h: string) => readFileSync(path.join(paths[h]!, 'current', 'VERSION'), 'utf8').trim();

  const dpl = async (tokens: string[], o: { signal?: AbortSignal; onEvent?: (e: DplEvent) => void } = {}) => {
    const start = restartHook(port);
    const plain: ReleaseConfig = {
      repoDir: repo.work,
      cleanup: false,
      keep: 10,
      hooks: {
        restart: async (c, rel) => {
          restarts.push([rel.host.name, hx ? ((await hx.admin())[rel.host.name] ?? '?') : 'none']);
          await start(c, rel);
        },
      },
    };
    const hosts = Object.fromEntries([...WEB.map((h) => [h, { vars: { deployPath: paths[h], appAddress: bed.hosts[h]!.address } }] as const), ['lb-0', { vars: {} }] as const]);
    const def = deployfile({
      hosts,
      roles: { web: WEB },
      // `deploy`: no LB; `app`: rollouts behind it; `plain`: an all-at-once deploy whose release config names the LB.
      tasks: { deploy: releaseTasks(plain), app: releaseTasks({ ...plain, proxy, rollout }), plain: releaseTasks({ ...plain, proxy }) },
    });
    const h = harness({
      definition: def,
      root: repo.work,
      flags: { yes: true },
      selection: { roles: ['web'] },
      signal: o.signal,
      onEvent: o.onEvent,
      createPool: async (r) => createSshPool({ configFile: bed.configFile, knownHostsFile: bed.knownHostsFile, agentSocket: null, events: r.events, prompter: r.prompter }),
    });
    const error = await h.dpl(tokens, { close: true });
    return { error: error as (Error & { exitCode?: number; hint?: string }) | undefined, events: h.events };
  };

  /** Ctrl-C once web-0 (the canary) is live: it stays on the new release, in rotation, its journal kept. */
  const leaveCanary = async () => {
    const stop = new AbortController();
    const r = await dpl(['app:v1.1.0'], { signal: stop.signal, onEvent: (e) => e.type === 'rollout.batch' && e.state === 'live' && e.batch === 1 && stop.abort() });
    expect(r.error?.exitCode, r.error?.message).toBe(130);
    expect(version('web-0')).toBe('v1.1.0');
    expect((await hx!.admin())['web-0']).toBe('ready');
  };

  const allReady = async () => expect(await hx!.admin()).toEqual(Object.fromEntries(WEB.map((h) => [h, 'ready'])));

  beforeAll(async () => {
    repo = appRepo({ uid: bed.uid, gid: bed.gid });
    port = await freePort('127.0.10.1');
    const first = await dpl(['deploy:v1.0.0']);
    expect(first.error).toBeUndefined();
    hx = await haproxyFor(bed, port);
    proxy.haproxy!.socket = hx.adminSock;
  });

  afterAll(async () => {
    stopApps(Object.values(paths));
    await hx?.stop();
    for (const d of Object.values(paths)) rmSync(d, { recursive: true, force: true });
    repo?.cleanup();
  });

  it('deploy.recover switching an interrupted canary back under load: web-0 is drained while it restarts, 0 failed requests, back in rotation', async () => {
    const before = currents();
    await leaveCanary();
    restarts.length = 0;
    const load = startLoad(hx!.port, { workers: 4, maxMs: 60_000 });
    const rec = await dpl(['app.recover']);
    const report = await load.stop();
    expect(rec.error, rec.error?.message).toBeUndefined();
    expect(restarts).toEqual([['web-0', 'drain']]);
    expect(report.failures).toEqual([]);
    expect(report.total).toBeGreaterThan(20);
    expect(currents()).toEqual(before);
    expect(ofType(rec.events, 'proxy.change').map((e) => [e.action, e.changes.map((ch) => `${ch.backend}/${ch.server} ${ch.state}`)])).toEqual([
      ['out', ['app/web-0 drain']],
      ['back', ['app/web-0 ready']],
    ]);
    expect(areaLines(rec.events, 'deploy')).toContainEqual(expect.stringMatching(/^\[web-0\] on \d{8}T\d{6}Z and back in rotation$/));
    await allReady();
  });

  it('a rollout first recovering an interrupted canary: every restart, the recovery\'s included, happens out of rotation; 0 failed requests', async () => {
    await leaveCanary();
    restarts.length = 0;
    const load = startLoad(hx!.port, { workers: 4, maxMs: 90_000 });
    const r = await dpl(['app:v1.1.0']);
    const report = await load.stop();
    expect(r.error, r.error?.message).toBeUndefined();
    expect(ofType(r.events, 'deploy.recover')).toContainEqual(expect.objectContaining({ state: 'start', verdict: 'back', hosts: ['web-0'] }));
    // web-0 twice: switched back by the recovery, then as the rollout's canary.
    expect(restarts.map(([h]) => h).sort()).toEqual(['web-0', 'web-0', 'web-1', 'web-2', 'web-3']);
    expect(restarts.filter(([, state]) => state !== 'drain')).toEqual([]);
    expect(report.failures).toEqual([]);
    for (const h of WEB) expect(version(h)).toBe('v1.1.0');
    await allReady();
  });

  it('finishing a deploy interrupted after its switch: the hosts restart in groups that leave the backend a live server, each drained; 0 failed requests', async () => {
    const stop = new AbortController();
    const r = await dpl(['plain:v1.0.0'], { signal: stop.signal, onEvent: (e) => e.type === 'deploy.phase' && e.phase === 'switch' && e.state === 'end' && stop.abort() });
    expect(r.error?.exitCode, r.error?.message).toBe(130);
    for (const h of WEB) expect(version(h)).toBe('v1.0.0');
    restarts.length = 0;
    const load = startLoad(hx!.port, { workers: 4, maxMs: 90_000 });
    const rec = await dpl(['plain.recover']);
    const report = await load.stop();
    expect(rec.error, rec.error?.message).toBeUndefined();
    expect(ofType(rec.events, 'deploy.recover')).toContainEqual(expect.objectContaining({ state: 'start', verdict: 'forward' }));
    expect(restarts.map(([h]) => h).sort()).toEqual(WEB);
    expect(restarts.filter(([, state]) => state !== 'drain')).toEqual([]);
    // Three out, then the fourth once they are back: never all four at once.
    expect(ofType(rec.events, 'proxy.change').filter((e) => e.action === 'out').map((e) => e.changes.map((ch) => ch.server))).toEqual([['web-0', 'web-1', 'web-2'], ['web-3']]);
    expect(report.failures).toEqual([]);
    expect(report.total).toBeGreaterThan(20);
    await allReady();
  });
});
