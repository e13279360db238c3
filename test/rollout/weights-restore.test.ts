// WeightedCanary against a real HAProxy (local admin socket): it sets back exactly what
// it changed, once; when HAProxy cannot be reached it says so with the commands to run
// by hand; and a backend with nothing else live is refused before any weight changes.
import { renameSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startBackends, stopAll, type Backend } from '../proxy/support/backends.js';
import { startHaproxy, type Haproxy } from '../proxy/support/haproxy.js';
import { groupsConfig, inventory, proxyRun } from '../proxy/support/harness.js';
import { HaproxyDriver } from '../../src/proxy/haproxy-driver.js';
import { WeightedCanary } from '../../src/rollout/weights.js';
import { UsageError } from '../../src/core/errors.js';

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

const weights = async () => {
  const out: Record<string, number> = {};
  for (const n of nodes) out[n.name] = Number(/^(\d+) /.exec(await lb.command(`get weight app/${n.name}`))![1]);
  return out;
};

function setup() {
  const p = proxyRun(groupsConfig(lb.adminSock), inventory(nodes));
  const driver = new HaproxyDriver(p.run.knownHost('lb0')!, p.run, ['app'], { socket: lb.adminSock });
  return { p, c: p.context(), canary: new WeightedCanary([driver]) };
}

it('sets the canary share, then restores every weight it changed, once', async () => {
  const { p, c, canary } = setup();
  await canary.apply(c, ['app/web0'], 10);
  expect(await weights()).toEqual({ web0: 1, web1: 3, web2: 3, web3: 3 });
  expect(await canary.restore(c)).toBe(true);
  expect(await weights()).toEqual({ web0: 1, web1: 1, web2: 1, web3: 1 });
  // A second restore has nothing left to do (someone may have changed weights since).
  await lb.command('set weight app/web1 7');
  expect(await canary.restore(c)).toBe(true);
  expect((await weights()).web1).toBe(7);
  await lb.command('set weight app/web1 1');
  expect(p.logs('info').map((e) => e.message)).toEqual([
    'weighted canary: app/web0 take 10% of backend app (weights app/web1 3, app/web2 3, app/web3 3)',
    'weights restored: app/web1 1, app/web2 1, app/web3 1',
  ]);
});

it('says so, with the commands to run by hand, when the weights cannot be set back', async () => {
  const { p, c, canary } = setup();
  await canary.apply(c, ['app/web2'], 50);
  expect(await weights()).toEqual({ web0: 1, web1: 1, web2: 3, web3: 1 });
  renameSync(lb.adminSock, `${lb.adminSock}.away`);
  try {
    expect(await canary.restore(c)).toBe(false);
  } finally {
    renameSync(`${lb.adminSock}.away`, lb.adminSock);
  }
  const [err] = p.logs('error');
  expect(err!.message).toMatch(/^could not restore the HAProxy weights: .*cannot reach the HAProxy admin socket .*no such socket.*; set them by hand on the runtime API: set weight app\/web2 1$/);
  expect(err!.host).toBe('lb0');
  expect(await weights()).toEqual({ web0: 1, web1: 1, web2: 3, web3: 1 });
  await lb.command('set weight app/web2 1');
});

it('refuses a backend with nothing else live, changing no weight', async () => {
  const { c, canary } = setup();
  for (const n of ['web1', 'web2', 'web3']) await lb.command(`set server app/${n} state maint`);
  try {
    const e = await canary.apply(c, ['app/web0'], 10).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toBe('weighted canary on lb0: backend app has no live server with a weight above 0 besides the canary to share the traffic with');
  } finally {
    for (const n of ['web1', 'web2', 'web3']) await lb.command(`set server app/${n} state ready`);
  }
  expect(await weights()).toEqual({ web0: 1, web1: 1, web2: 1, web3: 1 });
  expect(await canary.restore(c)).toBe(true);
});
