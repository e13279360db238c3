// proxy.maintenance on a real nginx: a server-level include switched between `return
// 503` + a named location serving the shipped page, and a comment; tested and reloaded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DplError, HostError } from '../../src/core/errors.js';
import type { ProxyConfig } from '../../src/proxy/config.js';
import { freePort, startBackends, stopAll, until, type Backend } from './support/backends.js';
import { startNginx, type Nginx } from './support/nginx.js';
import { inventory, proxyRun } from './support/harness.js';

const PAGE = '<!doctype html>\n<title>Back soon</title>\n<pre>line 1\nline $2 "quoted"</pre>\n';
let nodes: Backend[];
let ng: Nginx;
let port: number;
let include: string;
let page: string;

beforeAll(async () => {
  nodes = await startBackends(4);
  ng = await startNginx(nodes);
  // A second server block (through the test's http-level extra file) with the
  // server-level maintenance include a user adds once.
  port = await freePort();
  include = join(ng.dir, 'maint-{backend}.conf');
  page = join(ng.dir, 'page-src.html');
  await writeFile(page, PAGE);
  await writeFile(include.replace('{backend}', 'app'), '');
  await writeFile(ng.extra, `server {\n  listen 127.0.0.1:${port};\n  include ${include.replace('{backend}', 'app')};\n` +
    '  location / { proxy_pass http://app; proxy_next_upstream off; }\n}\n');
  execFileSync('/usr/sbin/nginx', [...ng.args, '-s', 'reload']);
  await until('the second server to listen', async () => (await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined))?.status === 200);
});
afterAll(async () => {
  await ng?.stop();
  await stopAll(nodes ?? []);
});

function config(over: Partial<NonNullable<ProxyConfig['maintenance']>> = {}): ProxyConfig {
  return {
    lb: 'lb0',
    driver: 'nginx',
    backends: 'app',
    groups: { group1: ['app0', 'app1'], group2: ['app2', 'app3'] },
    nginx: { include: ng.include, bin: '/usr/sbin/nginx', args: ng.args, pidFile: ng.pidFile },
    health: { path: '/health', intervalMs: 100, passes: 2, timeoutMs: 3000, requestTimeoutMs: 1000 },
    drainTimeoutMs: 5000,
    pollMs: 100,
    maintenance: { page, retryAfter: 20, nginxInclude: include, ...over },
  };
}

async function get() {
  const res = await fetch(`http://127.0.0.1:${port}/some/path`);
  return { status: res.status, retryAfter: res.headers.get('retry-after'), type: res.headers.get('content-type'), body: await res.text() };
}

const served = () => nodes.reduce((n, b) => n + b.served, 0);

describe('proxy.maintenance (real nginx)', () => {
  it('on: 503 + the exact page + Retry-After, no request upstream; off: the groups as before; both idempotent', async () => {
    const p = proxyRun(config(), inventory(nodes));
    await p.invoke('proxy.group2');
    const upstream = await ng.upstreamFile();
    await p.invoke('proxy.maintenance:on');
    const before = served();
    for (let i = 0; i < 6; i++) {
      expect(await get()).toEqual({ status: 503, retryAfter: '20', type: 'text/html; charset=utf-8', body: PAGE });
    }
    expect(served()).toBe(before);
    expect(await readFile(join(ng.dir, 'maint-app.html'), 'utf8')).toBe(PAGE);
    expect(await ng.upstreamFile()).toBe(upstream);
    await p.invoke('proxy.status');
    expect(p.logs().find((e) => e.topic === 'proxy.status')!.message).toMatch(/\nmaintenance: app on$/);

    await p.invoke('proxy.maintenance:on');
    expect(p.logs('info').at(-1)!.message).toBe('maintenance on for app (it already was)');

    await p.invoke('proxy.maintenance:off');
    const seen = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const r = await get();
      expect(r.status).toBe(200);
      seen.add(r.body);
    }
    expect(seen).toEqual(new Set(['web2', 'web3']));
    expect(served()).toBe(before + 8);
    expect(await ng.upstreamFile()).toBe(upstream);
    expect(await readFile(include.replace('{backend}', 'app'), 'utf8')).toMatch(/^# dpl maintenance: off \(upstream app\)/);
    await p.invoke('proxy.maintenance:off');
    expect(p.logs('info').at(-1)!.message).toBe('maintenance off for app (it already was)');
    await p.invoke('proxy.all');
  });

  it('an include nginx does not load: refused with what to add, nothing written', async () => {
    const other = join(ng.dir, 'nowhere-{backend}.conf');
    const e = await proxyRun(config({ nginxInclude: other }), inventory(nodes)).invoke('proxy.maintenance:on').then(() => undefined, (x: unknown) => x as DplError);
    expect(e).toBeInstanceOf(HostError);
    expect(e).toMatchObject({ host: 'lb0', code: 'proxy.failed' });
    expect(e!.message).toBe(`nginx does not include ${other.replace('{backend}', 'app')}; nothing was changed`);
    expect(e!.hint).toMatch(/include .*nowhere-app\.conf;` at server level/);
    await expect(readFile(join(ng.dir, 'nowhere-app.html'))).rejects.toThrow(/ENOENT/);
    expect((await get()).status).toBe(200);
  });
});
