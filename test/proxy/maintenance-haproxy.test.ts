// proxy.maintenance on a real HAProxy: the page comes from the map file haproxy.cfg's
// rule reads, flipped over the runtime API; rotation is untouched, and the app
// servers see no request while it is on.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DplError, HostError, UsageError } from '../../src/core/errors.js';
import { haproxyRule } from '../../src/proxy/maintenance-haproxy.js';
import type { ProxyConfig } from '../../src/proxy/config.js';
import { startBackends, stopAll, type Backend } from './support/backends.js';
import { startHaproxy, type Haproxy } from './support/haproxy.js';
import { groupsConfig, inventory, proxyRun } from './support/harness.js';

const PAGE = '<!doctype html>\n<title>Back soon</title>\n<h1>Upgrading "app": 100% done soon</h1>\n';
let nodes: Backend[];
let dir: string;
let map: string;
let page: string;
let lb: Haproxy;

beforeAll(async () => {
  nodes = await startBackends(4);
  dir = await mkdtemp(join(tmpdir(), 'dpl-maint-'));
  map = join(dir, 'maintenance.map');
  page = join(dir, 'page.html');
  await writeFile(map, '# other keys stay\nother 1:eA==\n');
  await writeFile(page, PAGE);
  lb = await startHaproxy(nodes, { extraBackends: `  ${haproxyRule(map)}` });
});
afterEach(async () => {
  await proxyRun(config(), inventory(nodes)).invoke('proxy.maintenance:off');
  await lb.reset(nodes);
});
afterAll(async () => {
  await lb?.stop();
  await stopAll(nodes ?? []);
  await rm(dir, { recursive: true, force: true });
});

function config(over: Partial<NonNullable<ProxyConfig['maintenance']>> = {}): ProxyConfig {
  return groupsConfig(lb.adminSock, { maintenance: { page, retryAfter: 30, haproxyMap: map, ...over } });
}

async function get(port = lb.port) {
  const res = await fetch(`http://127.0.0.1:${port}/`);
  return { status: res.status, retryAfter: res.headers.get('retry-after'), type: res.headers.get('content-type'), body: await res.text() };
}

const served = () => nodes.reduce((n, b) => n + b.served, 0);

async function failure(p: Promise<unknown>): Promise<DplError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(DplError);
  return e as DplError;
}

describe('proxy.maintenance (real HAProxy)', () => {
  it('on: 503 + the custom page + Retry-After, no request reaches an app server; off: the groups exactly as before', async () => {
    const p = proxyRun(config(), inventory(nodes));
    await p.invoke('proxy.group2');
    await p.invoke('proxy.maintenance:on');
    const before = served();
    for (let i = 0; i < 10; i++) {
      // HAProxy sends the page's line breaks as spaces (see maintenance-haproxy.ts).
      expect(await get()).toEqual({ status: 503, retryAfter: '30', type: 'text/html; charset=utf-8', body: PAGE.replace(/\n/g, ' ') });
    }
    expect(served()).toBe(before);
    expect(await readFile(map, 'utf8')).toMatch(/^# other keys stay\nother 1:eA==\napp 30:[A-Za-z0-9+/=]+\n$/);
    expect(await lb.admin()).toEqual({ web0: 'drain', web1: 'drain', web2: 'ready', web3: 'ready' });

    await p.invoke('proxy.status');
    expect(p.logs().find((e) => e.topic === 'proxy.status')!.message.split('\n').at(-1)).toBe('maintenance: app on');

    await p.invoke('proxy.maintenance:on');
    expect(p.logs('info').filter((e) => /^maintenance on/.test(e.message)).map((e) => e.message)).toEqual([
      'maintenance on for app',
      'maintenance on for app (it already was)',
    ]);

    await p.invoke('proxy.maintenance:off');
    const seen = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const r = await get();
      expect(r.status).toBe(200);
      seen.add(r.body);
    }
    expect(seen).toEqual(new Set(['web2', 'web3']));
    expect(served()).toBe(before + 8);
    expect(await lb.admin()).toEqual({ web0: 'drain', web1: 'drain', web2: 'ready', web3: 'ready' });
    expect(await readFile(map, 'utf8')).toBe('# other keys stay\nother 1:eA==\n');
    await p.invoke('proxy.maintenance:off');
    expect(p.logs('info').at(-1)!.message).toBe('maintenance off for app (it already was)');
    expect((await get()).status).toBe(200);
  });

  it('the map file keeps maintenance on across a restart of HAProxy', async () => {
    await proxyRun(config({ retryAfter: 5 }), inventory(nodes)).invoke('proxy.maintenance:on');
    const again = await startHaproxy(nodes, { extraBackends: `  ${haproxyRule(map)}` });
    try {
      expect(await get(again.port)).toMatchObject({ status: 503, retryAfter: '5', body: PAGE.replace(/\n/g, ' ') });
    } finally {
      await again.stop();
    }
  });

  it('no page file set: a plain default page', async () => {
    await proxyRun(config({ page: undefined }), inventory(nodes)).invoke('proxy.maintenance:on');
    const r = await get();
    expect(r.status).toBe(503);
    expect(r.body).toMatch(/<h1>Down for maintenance<\/h1>/);
  });

  it('a missing page file is a usage error (exit 2) before anything changes', async () => {
    const e = await failure(proxyRun(config({ page: join(dir, 'nope.html') }), inventory(nodes)).invoke('proxy.maintenance:on'));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe(`proxy.maintenance: cannot read the page ${join(dir, 'nope.html')}: no such file; no load balancer was changed`);
    expect(await readFile(map, 'utf8')).toBe('# other keys stay\nother 1:eA==\n');
    expect((await get()).status).toBe(200);
  });

  it('a page too large for the runtime API is refused before anything changes', async () => {
    const big = join(dir, 'big.html');
    await writeFile(big, 'x'.repeat(9000));
    const e = await failure(proxyRun(config({ page: big }), inventory(nodes)).invoke('proxy.maintenance:on'));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toMatch(/the page is 9000 bytes; HAProxy takes at most 8192/);
    expect((await get()).status).toBe(200);
  });

  it('an HAProxy without the rule: says what to add to haproxy.cfg; status says "not set up"', async () => {
    const other = join(dir, 'unknown.map');
    const p = proxyRun(config({ haproxyMap: other }), inventory(nodes));
    const e = await failure(p.invoke('proxy.maintenance:on'));
    expect(e).toBeInstanceOf(HostError);
    expect(e).toMatchObject({ host: 'lb0', code: 'proxy.failed' });
    expect(e.message).toMatch(new RegExp(`^HAProxy has no map ${other} loaded: Unknown map identifier`));
    expect(e.hint).toContain(haproxyRule(other));
    await p.invoke('proxy.status');
    expect(p.logs().find((x) => x.topic === 'proxy.status')!.message).toMatch(/\nmaintenance: app not set up$/);
  });

  it('two LBs, one without the rule: refused before either changes', async () => {
    const bare = await startHaproxy(nodes);
    try {
      const hosts = inventory(nodes);
      hosts.lb1 = { hostname: '127.0.0.1', vars: { haproxySocket: bare.adminSock } };
      const e = await failure(proxyRun({ ...config(), lb: ['lb0', 'lb1'] }, hosts).invoke('proxy.maintenance:on'));
      expect(e.message).toMatch(/^proxy: checking maintenance failed on 1 host:\n  - lb1: HAProxy has no map /);
      expect(await readFile(map, 'utf8')).toBe('# other keys stay\nother 1:eA==\n');
      expect((await get()).status).toBe(200);
    } finally {
      await bare.stop();
    }
  });
});
