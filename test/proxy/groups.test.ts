// groupHosts (what `prod:out` / `prod:in` deploy to), read from HAProxy itself;
// several LB hosts; groups named by host, by LB server name, or by role.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DplError, HostsFailedError, UsageError } from '../../src/core/errors.js';
import { groupHosts } from '../../src/proxy/groups.js';
import { task } from '../../src/core/task.js';
import type { StatusRow } from '../../src/proxy/status.js';
import { startBackends, stopAll, type Backend } from './support/backends.js';
import { startHaproxy, type Haproxy } from './support/haproxy.js';
import { groupsConfig, inventory, proxyRun } from './support/harness.js';

let nodes: Backend[];
let a: Haproxy;
let b: Haproxy;

beforeAll(async () => {
  nodes = await startBackends(4);
  [a, b] = await Promise.all([startHaproxy(nodes), startHaproxy(nodes)]);
});
afterEach(async () => {
  await a.reset(nodes);
  await b.reset(nodes);
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await stopAll(nodes ?? []);
});

const names = (hosts: { name: string }[]) => hosts.map((h) => h.name);

async function failure(p: Promise<unknown>): Promise<DplError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(DplError);
  return e as DplError;
}

describe('groupHosts (one LB)', () => {
  const setup = () => {
    const config = groupsConfig(a.adminSock);
    const p = proxyRun(config, inventory(nodes));
    return { config, p, c: p.context() };
  };

  it('all in: `in` is every host, `out` refuses and says how to take a group out', async () => {
    const { config, c } = setup();
    expect(names(await groupHosts(c, config, 'in'))).toEqual(['app0', 'app1', 'app2', 'app3']);
    const e = await failure(groupHosts(c, config, 'out'));
    expect(e.message).toBe('no group is out of rotation: group1, group2 are all in');
    expect(e.hint).toMatch(/proxy\.group2/);
  });

  it('after proxy.group2: out is group1\'s hosts, in is group2\'s — as HAProxy reports', async () => {
    const { config, p, c } = setup();
    await p.invoke('proxy.group2');
    expect(names(await groupHosts(c, config, 'out'))).toEqual(['app0', 'app1']);
    expect(names(await groupHosts(c, config, 'in'))).toEqual(['app2', 'app3']);
    // maint counts as out too; HAProxy is the only source of truth
    await a.command('set server app/web0 state maint');
    expect(names(await groupHosts(c, config, 'out'))).toEqual(['app0', 'app1']);
  });

  it('mixed state: throws, showing each server\'s state; flip refuses too', async () => {
    const { config, p, c } = setup();
    await a.command('set server app/web0 state drain');
    const e = await failure(groupHosts(c, config, 'out'));
    expect(e.message).toBe(
      'no group is cleanly out of rotation; the load balancer reports:\n' +
        '  group1 (mixed): web0 drain, web1 ready\n' +
        '  group2 (in): web2 ready, web3 ready',
    );
    expect(e.hint).toMatch(/proxy\.all/);
    expect((await failure(groupHosts(c, config, 'in'))).message).toMatch(/^group group1 is half in rotation/);
    expect((await failure(p.invoke('proxy.flip'))).message).toMatch(/^cannot flip: group group1 is half in rotation/);
    await p.invoke('proxy.all');
    expect((await failure(p.invoke('proxy.flip'))).message).toMatch(/^cannot flip: every group is in rotation/);
  });

  it('groups named by LB server (deploy host found through vars.lbServer) or by role', async () => {
    const hosts = inventory(nodes);
    const roles = { app: ['app0', 'app1', 'app2', 'app3'], g1: ['app0', 'app1'], g2: ['app2', 'app3'] };
    const byServer = groupsConfig(a.adminSock, { groups: { group1: ['web0', 'web1'], group2: ['web2', 'web3'] } });
    const p = proxyRun(byServer, hosts, roles);
    await p.invoke('proxy.only:group1');
    expect(names(await groupHosts(p.context(), byServer, 'out'))).toEqual(['app2', 'app3']);

    const byRole = groupsConfig(a.adminSock, { groups: { group1: { roles: ['g1'] }, group2: { roles: ['g2'] } } });
    expect(names(await groupHosts(proxyRun(byRole, hosts, roles).context(), byRole, 'in'))).toEqual(['app0', 'app1']);

    const orphan = proxyRun(byServer, hosts); // no roles: nobody claims web2
    const e = await failure(groupHosts(orphan.context(), byServer, 'out'));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe('proxy: server web2 (group group2) has no deploy host');
    expect(e.hint).toMatch(/lbServer: 'web2'/);
  });
});

describe('a deployfile\'s prod task', () => {
  it('`dpl prod:out deploy` runs deploy on the hosts of the group HAProxy has out', async () => {
    const config = groupsConfig(a.adminSock);
    const deployed: string[] = [];
    const tasks = {
      prod: task({ run: 'local', args: { group: { choices: ['all', 'out', 'in'], default: 'all' } } }, async (c, { group }) => {
        if (group === 'all') c.session.use({ roles: ['app'] });
        else c.session.use({ hosts: await groupHosts(c, config, group as 'in' | 'out') });
      }),
      deploy: task((c) => void deployed.push(c.host.name)),
    };
    const p = proxyRun(config, inventory(nodes), { app: ['app0', 'app1', 'app2', 'app3'] }, { tasks });
    await p.invokeAll('prod', 'proxy.group2', 'prod:out', 'deploy', 'proxy.flip', 'prod:out', 'deploy', 'proxy.all', 'prod:in', 'deploy');
    expect(deployed).toEqual(['app0', 'app1', 'app2', 'app3', 'app0', 'app1', 'app2', 'app3']);
  });

  it('a dry run contacts no load balancer', async () => {
    const p = proxyRun(groupsConfig(a.adminSock), inventory(nodes), {}, { flags: { dryRun: true } });
    await p.invoke('proxy.group2');
    expect(p.logs().map((e) => e.message)).toEqual([
      'dry run: would put group2 in rotation and drain the other groups (the load balancer is not contacted)',
    ]);
    expect(await a.admin()).toEqual({ web0: 'ready', web1: 'ready', web2: 'ready', web3: 'ready' });
  });
});

describe('several LB hosts', () => {
  const twoLbs = () => {
    const hosts = inventory(nodes);
    hosts.lb0 = { hostname: '127.0.0.1', vars: { haproxySocket: a.adminSock } };
    hosts.lb1 = { hostname: '127.0.0.1', vars: { haproxySocket: b.adminSock } };
    const config = groupsConfig('/unused', { lb: ['lb0', 'lb1'] });
    return { config, p: proxyRun(config, hosts), hosts };
  };

  it('applies to every LB and reports per LB; status shows an LB column', async () => {
    const { config, p } = twoLbs();
    await p.invoke('proxy.group2');
    for (const lb of [a, b]) expect(await lb.admin()).toEqual({ web0: 'drain', web1: 'drain', web2: 'ready', web3: 'ready' });
    const changed = p.logs('info').filter((e) => /in rotation:/.test(e.message));
    expect(changed.map((e) => e.host).sort()).toEqual(['lb0', 'lb1']);
    expect(names(await groupHosts(p.context(), config, 'out'))).toEqual(['app0', 'app1']);

    const rows = (await p.invoke('proxy.status')) as StatusRow[];
    expect(rows).toHaveLength(8);
    const table = p.logs().find((e) => e.topic === 'proxy.status')!.message;
    expect(table.split('\n')[0]).toMatch(/^LB\s+SERVER\s+GROUP/);
    expect(table).toMatch(/lb1\s+web0\s+group1\s+app0\s+drain\s+DRAIN/);
  });

  it('LBs that disagree are mixed; one unreachable LB stops the change everywhere', async () => {
    const { config, p, hosts } = twoLbs();
    await b.command('set server app/web0 state drain; set server app/web1 state drain');
    const e = await failure(groupHosts(p.context(), config, 'out'));
    expect(e.message).toMatch(/group1 \(mixed\): web0 ready@lb0\/app drain@lb1\/app, web1 ready@lb0\/app drain@lb1\/app/);

    hosts.lb1 = { hostname: '127.0.0.1', vars: { haproxySocket: '/nonexistent/admin.sock' } };
    const broken = proxyRun(config, hosts);
    const e2 = await failure(broken.invoke('proxy.all'));
    expect(e2).toBeInstanceOf(HostsFailedError);
    expect(e2.message).toMatch(/^proxy: reading the load balancers failed on 1 host:\n  - lb1: cannot reach the HAProxy admin socket/);
    expect(e2.hint).toMatch(/stats socket/);
    expect(await a.admin()).toEqual({ web0: 'ready', web1: 'ready', web2: 'ready', web3: 'ready' });
  });
});
