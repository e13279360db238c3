// maintenanceDuringSwitch: a real deploy (in-process, hosts on this machine) with a
// real HAProxy in front; the page is up in the switch window only, also when the
// deploy fails after the switch and is undone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deployfile } from '../../src/core/deployfile.js';
import { releaseTasks, type ReleaseConfig } from '../../src/deploy/tasks.js';
import { maintenanceDuringSwitch } from '../../src/proxy/maintenance-deploy.js';
import { haproxyRule } from '../../src/proxy/maintenance-haproxy.js';
import type { ReleaseHooks } from '../../src/deploy/config.js';
import { appRepo, openTmp, type AppRepo } from '../deploy/fixtures.js';
import { runInProcess } from '../deploy/in-process.js';
import { startBackends, stopAll, type Backend } from './support/backends.js';
import { startHaproxy, type Haproxy } from './support/haproxy.js';
import { groupsConfig } from './support/harness.js';
import { wordsOf } from '../helpers/words.js';
import type { DplEvent } from '../../src/core/events.js';

/** What the run said: the LB's typed events and the log lines, as the terminal words them. */
const said = (events: readonly DplEvent[]) => wordsOf(events.filter((e) => e.type === 'log' || e.type.startsWith('proxy.')));

let repo: AppRepo;
let nodes: Backend[];
let lb: Haproxy;
let dir: string;

beforeAll(async () => {
  repo = appRepo();
  nodes = await startBackends(2);
  dir = await mkdtemp(path.join(tmpdir(), 'dpl-maint-deploy-'));
  await writeFile(path.join(dir, 'maintenance.map'), '');
  await writeFile(path.join(dir, 'page.html'), '<h1>Deploying</h1>');
  lb = await startHaproxy(nodes, { extraBackends: `  ${haproxyRule(path.join(dir, 'maintenance.map'))}` });
});
afterAll(async () => {
  await lb?.stop();
  await stopAll(nodes ?? []);
  await rm(dir, { recursive: true, force: true });
  repo?.cleanup();
});

const HOSTS = ['web-0', 'web-1'];

/** What the LB answers now: "503 <page>" or "200". */
async function lbAnswer(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${lb.port}/`);
  const body = await res.text();
  return res.status === 503 ? `503 ${body}` : String(res.status);
}

function project(hooks: ReleaseHooks) {
  const proxy = groupsConfig(lb.adminSock, {
    groups: { group1: ['web0'], group2: ['web1'] },
    maintenance: { page: path.join(dir, 'page.html'), haproxyMap: path.join(dir, 'maintenance.map') },
  });
  const base = openTmp('dpl-maint-hosts-');
  const config: ReleaseConfig = { repoDir: repo.work, cleanup: false, hooks: maintenanceDuringSwitch(proxy, hooks) };
  const def = deployfile({
    hosts: {
      lb0: { hostname: '127.0.0.1' },
      ...Object.fromEntries(HOSTS.map((h) => [h, { hostname: 'localhost', vars: { deployPath: path.join(base, h, 'app') } }])),
    },
    roles: { web: HOSTS },
    tasks: { deploy: releaseTasks(config) },
  });
  return { run: (tokens: string[]) => runInProcess(def, repo.work, tokens, { roles: ['web'] }) };
}

describe('maintenanceDuringSwitch (real HAProxy, real deploy)', () => {
  it('the page is up from just before the switch until the restart is done, never before or after', async () => {
    const seen: string[] = [];
    const p = project({
      afterPrepare: async () => void seen.push(`prepare ${await lbAnswer()}`),
      restart: async (_c, rel) => void seen.push(`restart ${rel.host.name} ${await lbAnswer()}`),
      afterDeploy: async () => void seen.push(`afterDeploy ${await lbAnswer()}`),
    });
    const r = await p.run(['deploy:v1.0.0']);
    expect(r.error).toBeUndefined();
    expect(seen.sort()).toEqual(['afterDeploy 200', 'prepare 200', 'prepare 200', 'restart web-0 503 <h1>Deploying</h1>', 'restart web-1 503 <h1>Deploying</h1>']);
    expect(await lbAnswer()).toBe('200');
    expect(said(r.events).some((l) => /maintenance on for app \(deploy of \d{8}T\d{6}Z: switching\)/.test(l))).toBe(true);
  });

  it('a deploy that fails after the switch and is undone turns the page off again', async () => {
    const seen: string[] = [];
    let failureHook = false;
    const p = project({
      restart: async (c, rel) => {
        seen.push(`restart ${rel.host.name} ${await lbAnswer()}`);
        if (rel.host.name === 'web-1' && rel.ref.tag === 'v1.1.0') await c.run('exit 4');
      },
      onFailure: () => void (failureHook = true),
    });
    expect((await p.run(['deploy:v1.0.0'])).error).toBeUndefined();
    seen.length = 0;
    const r = await p.run(['deploy:v1.1.0']);
    expect(r.error?.message).toMatch(/switched back/);
    expect(seen).toContain('restart web-1 503 <h1>Deploying</h1>');
    expect(await lbAnswer()).toBe('200');
    expect(failureHook).toBe(true);
    expect(said(r.events).some((l) => /maintenance off for app \(deploy of \d{8}T\d{6}Z failed\)/.test(l))).toBe(true);
  });

  it('a deploy that fails before the switch never shows the page', async () => {
    const seen: string[] = [];
    const p = project({
      afterPrepare: async (c, rel) => {
        seen.push(`prepare ${await lbAnswer()}`);
        if (rel.host.name === 'web-1') await c.run('exit 3');
      },
    });
    const r = await p.run(['deploy:v1.0.0']);
    expect(r.error?.message).toMatch(/hook afterPrepare failed/);
    expect(seen).toEqual(['prepare 200', 'prepare 200']);
    expect(await lbAnswer()).toBe('200');
    expect(said(r.events).some((l) => /maintenance on/.test(l))).toBe(false);
  });
});
