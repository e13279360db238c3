// Issue #6: `proxy.group2`, deploy the out group, `proxy.flip`, deploy the other
// group, `proxy.all` — under continuous load through a real HAProxy, with zero
// failed requests. A control run first proves the load loop does see failures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupHosts } from '../../src/proxy/groups.js';
import type { StatusRow } from '../../src/proxy/status.js';
import { startBackends, stopAll, sleep, until, type Backend } from './support/backends.js';
import { startHaproxy, type Haproxy } from './support/haproxy.js';
import { startLoad } from './support/load.js';
import { groupsConfig, inventory, proxyRun } from './support/harness.js';
import { offSchema } from '../helpers/words.js';

let nodes: Backend[];
let lb: Haproxy;

beforeAll(async () => {
  nodes = await startBackends(4);
  lb = await startHaproxy(nodes);
});

afterAll(async () => {
  await lb?.stop();
  await stopAll(nodes ?? []);
});

/** What a deploy does to a node: the process goes away, then comes back on the same address. */
async function restart(hostNames: string[]): Promise<void> {
  const targets = hostNames.map((h) => nodes[Number(h.replace('app', ''))]!);
  await Promise.all(targets.map((n) => n.stop()));
  await sleep(600); // long enough for HAProxy's checks (inter 200ms, fall 2) to mark them DOWN
  await Promise.all(targets.map((n) => n.start()));
}

describe('rotation under load (real HAProxy)', () => {
  it('control: stopping a node that is in rotation does fail requests', async () => {
    const load = startLoad(lb.port, { workers: 4, maxMs: 20_000 });
    await sleep(300);
    await nodes[3]!.stop();
    await sleep(800);
    await nodes[3]!.start();
    await until('web3 UP again', async () => (await lb.statuses()).web3 === 'UP');
    const report = await load.stop();
    expect(report.failures.length).toBeGreaterThan(0);
  });

  it('group2 → deploy group1 → flip → deploy group2 → all drops no request', async () => {
    const p = proxyRun(groupsConfig(lb.adminSock), inventory(nodes));
    const c = p.context();
    const config = groupsConfig(lb.adminSock);
    const load = startLoad(lb.port, { workers: 4, maxMs: 60_000 });
    await sleep(300);

    await p.invoke('proxy.group2');
    expect(await lb.statuses()).toMatchObject({ web0: 'DRAIN', web1: 'DRAIN', web2: 'UP', web3: 'UP' });
    const out1 = (await groupHosts(c, config, 'out')).map((h) => h.name);
    expect(out1).toEqual(['app0', 'app1']);
    expect((await groupHosts(c, config, 'in')).map((h) => h.name)).toEqual(['app2', 'app3']);
    const servedBefore = nodes[0]!.served + nodes[1]!.served;
    await restart(out1);
    await sleep(200);

    await p.invoke('proxy.flip');
    expect(await lb.statuses()).toMatchObject({ web0: 'UP', web1: 'UP', web2: 'DRAIN', web3: 'DRAIN' });
    const out2 = (await groupHosts(c, config, 'out')).map((h) => h.name);
    expect(out2).toEqual(['app2', 'app3']);
    await restart(out2);
    await sleep(200);

    await p.invoke('proxy.all');
    await sleep(300);
    const report = await load.stop();

    expect(report.failures).toEqual([]);
    expect(report.total).toBeGreaterThan(200);
    // Traffic really moved: group1 served again after its restart, everyone served.
    expect(nodes[0]!.served + nodes[1]!.served).toBeGreaterThan(servedBefore);
    for (const n of nodes) expect(report.byServer[n.name] ?? 0).toBeGreaterThan(0);

    const rows = (await p.invoke('proxy.status')) as StatusRow[];
    expect(rows.map((r) => [r.server, r.group, r.host, r.state, r.status])).toEqual([
      ['web0', 'group1', 'app0', 'ready', 'UP'],
      ['web1', 'group1', 'app1', 'ready', 'UP'],
      ['web2', 'group2', 'app2', 'ready', 'UP'],
      ['web3', 'group2', 'app3', 'ready', 'UP'],
    ]);
    const table = p.logs().find((e) => e.topic === 'proxy.status')!;
    expect(table.message).toMatch(/^SERVER\s+GROUP\s+HOST\s+STATE\s+HEALTH\s+CHECK\s+SESSIONS\s+5XX/);
    expect(table.message).toMatch(/web2\s+group2\s+app2\s+ready\s+UP\s+L7OK 200/);
    const status = p.events.filter((e) => e.type === 'proxy.status');
    expect(status).toHaveLength(1);
    expect(status[0]!.type === 'proxy.status' && status[0]!.rows).toHaveLength(4);
    // Each change is a typed event with every server's state before and after, on the LB it was written to.
    const typed = p.events.flatMap((e) => (e.type === 'proxy.change' ? [e] : []));
    expect(typed.map((e) => [e.lb, e.action, e.groups])).toEqual([
      ['lb0', 'rotate', ['group2']],
      ['lb0', 'rotate', ['group1']],
      ['lb0', 'rotate', ['group1', 'group2']],
    ]);
    expect(typed[1]!.changes).toEqual([
      { backend: 'app', server: 'web0', state: 'ready', from: 'drain' },
      { backend: 'app', server: 'web1', state: 'ready', from: 'drain' },
      { backend: 'app', server: 'web2', state: 'drain', from: 'ready' },
      { backend: 'app', server: 'web3', state: 'drain', from: 'ready' },
    ]);
    expect(p.events.some((e) => e.type === 'log' && e.topic === 'proxy')).toBe(false);
    expect(offSchema(p.events)).toEqual([]);
    // And its words, attributed to the LB.
    const changes = p.logs('info').filter((e) => e.host === 'lb0' && /in rotation:/.test(e.message));
    expect(changes.map((e) => e.message)).toEqual([
      'group2 in rotation: app/web0, app/web1 → drain',
      'group1 in rotation: app/web0, app/web1 → ready; app/web2, app/web3 → drain',
      'group1 + group2 in rotation: app/web2, app/web3 → ready',
    ]);
  });
});
