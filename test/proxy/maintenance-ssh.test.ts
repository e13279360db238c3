// proxy.maintenance with the LB reached over SSH, as in production: the bed host lb-0
// is this machine; the runtime API goes through streamlocal forwarding and the map
// file is written by the bed's login user through the SSH session's stdin.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deployfile } from '../../src/core/deployfile.js';
import { createSshPool } from '../../src/ssh/pool.js';
import { proxyTasks } from '../../src/proxy/tasks.js';
import { haproxyRule } from '../../src/proxy/maintenance-haproxy.js';
import type { ProxyConfig } from '../../src/proxy/config.js';
import { harness } from '../helpers/in-process.js';
import { describeBed } from '../support/bed.js';
import { startBackends, stopAll, type Backend } from './support/backends.js';
import { startHaproxy, type Haproxy } from './support/haproxy.js';

describeBed('proxy.maintenance over SSH (HAProxy on the bed host lb-0)', (bed) => {
  let nodes: Backend[];
  let hx: Haproxy;
  let dir: string;
  let map: string;

  beforeAll(async () => {
    nodes = await startBackends(2);
    // The map's directory belongs to the login user: dpl replaces the file with `mv`.
    dir = mkdtempSync(path.join(tmpdir(), 'dpl-maint-ssh-'));
    map = path.join(dir, 'maintenance.map');
    writeFileSync(map, '');
    writeFileSync(path.join(dir, 'page.html'), '<h1>over ssh</h1>\n');
    if (bed.root) {
      chownSync(dir, bed.uid, bed.gid);
      chownSync(map, bed.uid, bed.gid);
    }
    hx = await startHaproxy(nodes, { socketUser: bed.root ? bed.user : undefined, extraBackends: `  ${haproxyRule(map)}` });
    chmodSync(hx.dir, 0o755);
  });
  afterAll(async () => {
    await hx?.stop();
    await stopAll(nodes ?? []);
    rmSync(dir, { recursive: true, force: true });
  });

  const dpl = async (tokens: string[], over: Partial<NonNullable<ProxyConfig['maintenance']>> = {}) => {
    const config: ProxyConfig = {
      lb: 'lb-0',
      backends: 'app',
      groups: { g1: ['web0'], g2: ['web1'] },
      haproxy: { socket: hx.adminSock, timeoutMs: 5000 },
      maintenance: { page: path.join(dir, 'page.html'), haproxyMap: map, ...over },
    };
    const h = harness({
      definition: deployfile({ hosts: { 'lb-0': {} }, tasks: { proxy: proxyTasks(config) } }),
      root: dir,
      flags: { yes: true },
      createPool: async (r) => createSshPool({ configFile: bed.configFile, knownHostsFile: bed.knownHostsFile, agentSocket: null, events: r.events, prompter: r.prompter }),
    });
    return { error: await h.dpl(tokens, { close: true }), events: h.events };
  };
  const get = async () => {
    const res = await fetch(`http://127.0.0.1:${hx.port}/`);
    return `${res.status} ${await res.text()}`;
  };

  it('on ships the page and flips the map; off gives traffic back; the file on the LB follows', async () => {
    const served = () => nodes.reduce((n, b) => n + b.served, 0);
    expect((await dpl(['proxy.maintenance:on'])).error).toBeUndefined();
    const before = served();
    expect(await get()).toBe('503 <h1>over ssh</h1> ');
    expect(served()).toBe(before);
    expect(readFileSync(map, 'utf8')).toMatch(/^app 60:/);
    expect((await dpl(['proxy.maintenance:off'])).error).toBeUndefined();
    expect(await get()).toMatch(/^200 web[01]$/);
    expect(readFileSync(map, 'utf8')).toBe('');
  });

  it('a missing page: exit 2, nothing changed', async () => {
    const r = await dpl(['proxy.maintenance:on'], { page: 'missing.html' });
    expect(r.error?.message).toBe(`proxy.maintenance: cannot read the page ${path.join(dir, 'missing.html')}: no such file; no load balancer was changed`);
    expect((r.error as { exitCode?: number }).exitCode).toBe(2);
    expect(await get()).toMatch(/^200 /);
  });
});
