// The nginx driver behind the same interface: dpl rewrites the upstream include
// file, `nginx -t`, reload; a failed test restores the file. Real nginx on loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { DplError } from '../../src/core/errors.js';
import { groupHosts } from '../../src/proxy/groups.js';
import type { ProxyConfig } from '../../src/proxy/config.js';
import type { StatusRow } from '../../src/proxy/status.js';
import { startBackends, stopAll, sleep, type Backend } from './support/backends.js';
import { startNginx, type Nginx } from './support/nginx.js';
import { startLoad } from './support/load.js';
import { inventory, proxyRun } from './support/harness.js';

let nodes: Backend[];
let ng: Nginx;

beforeAll(async () => {
  nodes = await startBackends(4);
  ng = await startNginx(nodes);
});
afterAll(async () => {
  await ng?.stop();
  await stopAll(nodes ?? []);
});

function config(): ProxyConfig {
  return {
    lb: 'lb0',
    driver: 'nginx',
    backends: 'app',
    groups: { group1: ['app0', 'app1'], group2: ['app2', 'app3'] },
    nginx: { include: ng.include, bin: '/usr/sbin/nginx', args: ng.args, pidFile: ng.pidFile },
    health: { path: '/health', intervalMs: 100, passes: 2, timeoutMs: 3000, requestTimeoutMs: 1000 },
    drainTimeoutMs: 5000,
    pollMs: 100,
  };
}

async function servedBy(n: number): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) seen.add(await (await fetch(`http://127.0.0.1:${ng.port}/`)).text());
  return seen;
}

describe('nginx driver (real nginx)', () => {
  it('changes the include file, tests, reloads; the state is read back from the file', async () => {
    const p = proxyRun(config(), inventory(nodes));
    await p.invoke('proxy.group2');
    expect(await ng.upstreamFile()).toBe(
      '# upstream app: managed by dpl proxy tasks\n' +
        `server ${nodes[0]!.address} weight=2 down;  # dpl:web0 drain\n` +
        `server ${nodes[1]!.address} down;  # dpl:web1 drain\n` +
        `server ${nodes[2]!.address};  # dpl:web2 ready\n` +
        `server ${nodes[3]!.address};  # dpl:web3 ready\n`,
    );
    expect(await servedBy(12)).toEqual(new Set(['web2', 'web3']));
    expect((await groupHosts(p.context(), config(), 'out')).map((h) => h.name)).toEqual(['app0', 'app1']);
    const rows = (await p.invoke('proxy.status')) as StatusRow[];
    expect(rows.map((r) => `${r.server} ${r.state}`)).toEqual(['web0 drain', 'web1 drain', 'web2 ready', 'web3 ready']);
    await p.invoke('proxy.all');
    expect(await servedBy(12)).toEqual(new Set(['web0', 'web1', 'web2', 'web3']));
  });

  it('a failed nginx -t restores the previous file and leaves nginx serving', async () => {
    const p = proxyRun(config(), inventory(nodes));
    const before = await ng.upstreamFile();
    await writeFile(ng.extra, 'bogus_directive on;\n');
    try {
      const e = await p.invoke('proxy.group1').then(() => undefined, (err: unknown) => err as DplError);
      expect(e).toBeInstanceOf(DplError);
      expect(e).toMatchObject({ host: 'lb0', code: 'proxy.failed' });
      expect(e!.message).toMatch(/^nginx -t rejected the new configuration; the previous include files are restored:\n/);
      expect(e!.message).toMatch(/unknown directive "bogus_directive"/);
      expect(await ng.upstreamFile()).toBe(before);
      expect(await servedBy(12)).toEqual(new Set(['web0', 'web1', 'web2', 'web3']));
    } finally {
      await writeFile(ng.extra, '');
    }
  });

  it('group2 → deploy → flip → deploy → all under load drops no request', async () => {
    const p = proxyRun(config(), inventory(nodes));
    const c = p.context();
    const restart = async (which: 'out') => {
      const hosts = await groupHosts(c, config(), which);
      const targets = hosts.map((h) => nodes[Number(h.name.replace('app', ''))]!);
      await Promise.all(targets.map((n) => n.stop()));
      await sleep(300);
      await Promise.all(targets.map((n) => n.start()));
    };
    const load = startLoad(ng.port, { workers: 4, maxMs: 60_000 });
    await sleep(200);
    await p.invoke('proxy.group2');
    await restart('out');
    await p.invoke('proxy.flip');
    await restart('out');
    await p.invoke('proxy.all');
    await sleep(200);
    const report = await load.stop();
    expect(report.failures).toEqual([]);
    expect(report.total).toBeGreaterThan(100);
  });
});
