// Every way a rotation change must refuse, against a real HAProxy: nothing is
// changed when dpl refuses, and each error says what to do.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError, DplError, HostError, UsageError } from '../../src/core/errors.js';
import { startBackends, stopAll, until, freePort, type Backend } from './support/backends.js';
import { startHaproxy, type Haproxy } from './support/haproxy.js';
import { groupsConfig, inventory, proxyRun } from './support/harness.js';

let nodes: Backend[];
let lb: Haproxy;

beforeAll(async () => {
  nodes = await startBackends(4);
  lb = await startHaproxy(nodes);
});
afterEach(async () => lb.reset(nodes));
afterAll(async () => {
  await lb?.stop();
  await stopAll(nodes ?? []);
});

const ALL_READY = { web0: 'ready', web1: 'ready', web2: 'ready', web3: 'ready' };

async function rejection(p: Promise<unknown>): Promise<DplError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DplError);
  return e as DplError;
}

describe('refusals (real HAProxy)', () => {
  it('LB socket unreachable: names the socket and the LB, hints at stats socket', async () => {
    const p = proxyRun(groupsConfig('/nonexistent/dpl/admin.sock'), inventory(nodes));
    const e = await rejection(p.invoke('proxy.group2'));
    expect(e).toBeInstanceOf(HostError);
    expect(e).toMatchObject({ host: 'lb0', code: 'proxy.unreachable' });
    expect(e.message).toMatch(/^cannot reach the HAProxy admin socket \/nonexistent\/dpl\/admin\.sock: no such socket \(connect ENOENT/);
    expect(e.hint).toMatch(/stats socket/);

    const port = await freePort();
    const tcp = proxyRun(groupsConfig(lb.adminSock, { haproxy: { tcp: { host: '127.0.0.1', port } } }), inventory(nodes));
    const e2 = await rejection(tcp.invoke('proxy.status'));
    expect(e2.message).toMatch(new RegExp(`cannot reach the HAProxy runtime API at 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));

    // The LB host itself unreachable (SSH fails): the transport's ConnectionError, unchanged.
    const down = proxyRun(groupsConfig(lb.adminSock), inventory(nodes), {}, { unreachable: ['lb0'] });
    const e3 = await rejection(down.invoke('proxy.group2'));
    expect(e3).toBeInstanceOf(ConnectionError);
    expect(e3).toMatchObject({ host: 'lb0', code: 'connect.failed', message: 'connection refused' });
    expect(await lb.admin()).toEqual(ALL_READY);
  });

  it('socket at level operator: status works, changes are refused before anything is written', async () => {
    const p = proxyRun(groupsConfig(lb.operatorSock), inventory(nodes));
    const rows = (await p.invoke('proxy.status')) as unknown[];
    expect(rows).toHaveLength(4);
    const e = await rejection(p.invoke('proxy.group2'));
    expect(e.message).toMatch(/admin socket .*operator\.sock is at level operator: it can show state but not change it/);
    expect(e.hint).toMatch(/level admin/);
    expect(await lb.admin()).toEqual(ALL_READY);
  });

  it('a write HAProxy denies ("Permission denied") is explained the same way', async () => {
    const { HaproxyDriver } = await import('../../src/proxy/haproxy-driver.js');
    const p = proxyRun(groupsConfig(lb.operatorSock), inventory(nodes));
    const lbHost = p.run.knownHost('lb0')!;
    const driver = new HaproxyDriver(lbHost, p.run, ['app'], { socket: lb.operatorSock });
    const e = await rejection(driver.setStates([{ backend: 'app', server: 'web0', state: 'drain' }]));
    expect(e.message).toMatch(/does not allow changing servers: HAProxy said "Permission denied"/);
    expect(e.hint).toMatch(/level admin/);
  });

  it('unknown backend: lists the backends HAProxy has', async () => {
    const p = proxyRun(groupsConfig(lb.adminSock, { backends: ['nope'] }), inventory(nodes));
    const e = await rejection(p.invoke('proxy.group2'));
    expect(e).toMatchObject({ host: 'lb0', code: 'proxy.failed', message: 'HAProxy has no backend "nope" (it has: app)' });
    expect(e.hint).toMatch(/backends/);
  });

  it('unknown server: names it and lists what the backend has', async () => {
    const config = groupsConfig(lb.adminSock, { groups: { group1: ['app0', 'web9'], group2: ['app2', 'app3'] } });
    const p = proxyRun(config, inventory(nodes));
    const e = await rejection(p.invoke('proxy.group2'));
    expect(e.message).toMatch(/no server app\/web9 \(group group1\); it has app: web0, web1, web2, web3/);
    expect(await lb.admin()).toEqual(ALL_READY);
    const bad = await rejection(p.invoke('proxy.only:group9'));
    expect(bad).toBeInstanceOf(UsageError);
  });

  it('flip refused when the incoming group is down (HAProxy DOWN, GET /health refused)', async () => {
    const p = proxyRun(groupsConfig(lb.adminSock), inventory(nodes));
    await p.invoke('proxy.group2');
    await Promise.all([nodes[0]!.stop(), nodes[1]!.stop()]);
    await until('web0, web1 DOWN', async () => {
      const st = await lb.statuses();
      return st.web0 === 'DOWN' && st.web1 === 'DOWN';
    });
    const e = await rejection(p.invoke('proxy.flip'));
    expect(e.message).toMatch(/refusing to put app\/web0, app\/web1 in rotation: health checks failed for 3 s/);
    // The status code, not HAProxy's words: they differ while a check is in progress
    // ("* L4CON: Layer4 connection problem", see haproxy-state.test.ts).
    expect(e.message).toMatch(/app\/web0: LB says DOWN \(L4CON\b[^;]*\); GET \/health → cannot connect: connection refused/);
    expect(e.message).not.toContain('* L4CON');
    expect(e.hint).toMatch(/force=true/);
    expect(await lb.admin()).toEqual({ web0: 'drain', web1: 'drain', web2: 'ready', web3: 'ready' });
  });

  it('servers leaving maint are probed by dpl (HAProxy would call them UP at once)', async () => {
    const p = proxyRun(groupsConfig(lb.adminSock), inventory(nodes));
    await lb.command('set server app/web0 state maint; set server app/web1 state maint');
    nodes[0]!.healthy = false; // serves, but its health path says 503
    await nodes[1]!.stop();
    const e = await rejection(p.invoke('proxy.flip'));
    expect(e.message).toMatch(/app\/web0: GET \/health → 503 Service Unavailable/);
    expect(e.message).toMatch(/app\/web1: GET \/health → cannot connect: connection refused/);
    expect(await lb.admin()).toEqual({ web0: 'maint', web1: 'maint', web2: 'ready', web3: 'ready' });
  });

  it('refuses a change that would leave no server live, even with force=true', async () => {
    const p = proxyRun(groupsConfig(lb.adminSock), inventory(nodes));
    await p.invoke('proxy.group1');
    await Promise.all([nodes[2]!.stop(), nodes[3]!.stop()]);
    await until('web2, web3 DOWN', async () => {
      const st = await lb.statuses();
      return st.web2 === 'DOWN' && st.web3 === 'DOWN';
    });
    const e = await rejection(p.invoke('proxy.only:group2,force=true'));
    expect(e.message).toMatch(/refusing: this change would leave no server live in backend app \(after it: web0 drain, web1 drain, web2 ready but DOWN, web3 ready but DOWN\)/);
    expect(await lb.admin()).toEqual({ web0: 'ready', web1: 'ready', web2: 'drain', web3: 'drain' });
  });

  it('force=true skips the health checks but still moves the groups', async () => {
    const p = proxyRun(groupsConfig(lb.adminSock), inventory(nodes));
    await p.invoke('proxy.group1');
    nodes[2]!.healthy = false; // HAProxy's check will fail too, but not before the flip
    await p.invoke('proxy.flip:force=true');
    expect(await lb.admin()).toEqual({ web0: 'drain', web1: 'drain', web2: 'ready', web3: 'ready' });
    expect(p.logs('warn').map((l) => l.message)).toContain('force: not checking the health of app/web2, app/web3');
  });

  it('drain timeout: warns naming the servers and their open sessions', async () => {
    const p = proxyRun(groupsConfig(lb.adminSock), inventory(nodes));
    await p.invoke('proxy.group2');
    const { request } = await import('node:http');
    const slow = Array.from({ length: 4 }, () => new Promise<void>((resolve) => {
      request({ host: '127.0.0.1', port: lb.port, path: '/slow', agent: false }, (res) => res.resume().on('end', resolve))
        .on('error', () => resolve())
        .end();
    }));
    await until('sessions on web2 and web3', async () => /web2,0,0,[1-9]/.test(await lb.command('show stat app 4 -1')));
    await p.invoke('proxy.group1:timeout=0.5');
    const warn = p.logs('warn').find((l) => /drain did not finish/.test(l.message))!;
    expect(warn.host).toBe('lb0');
    expect(warn.message).toMatch(/^drain did not finish within 0\.5 s; still open: app\/web2 \(\d+ sessions?\), app\/web3 \(\d+ sessions?\)$/);
    await Promise.all(slow);
  });
});
