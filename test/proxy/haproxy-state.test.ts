// What dpl reads from a real HAProxy while a health check is in progress. HAProxy
// prefixes the check status with "* " then (e.g. "* L4CON") and may leave out the
// last check's own words, so dpl keeps the status code as data, without the marker.
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HaproxyDriver } from '../../src/proxy/haproxy-driver.js';
import { parseStatCsv } from '../../src/proxy/haproxy-state.js';
import { startBackends, stopAll, until, type Backend } from './support/backends.js';
import { startHaproxy, type Haproxy } from './support/haproxy.js';
import { groupsConfig, inventory, proxyRun } from './support/harness.js';

let nodes: Backend[];
let lb: Haproxy;

beforeAll(async () => {
  nodes = await startBackends(2);
  lb = await startHaproxy(nodes);
});
afterAll(async () => {
  await lb?.stop();
  await stopAll(nodes ?? []);
});

/** Accepts connections on the node's address and never answers: HAProxy's next check hangs (timeout check 2s). */
async function silentListener(node: Backend): Promise<{ close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((s) => void sockets.push(s));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(node.port, node.ip, () => resolve());
  });
  return { close: () => new Promise<void>((resolve) => (sockets.forEach((s) => s.destroy()), server.close(() => resolve()))) };
}

describe('HAProxy state while a check is in progress', () => {
  it('a down server whose check is in progress reads as L4CON, without HAProxy\'s "* " marker', async () => {
    const web0 = nodes[0]!;
    await web0.stop();
    await until('web0 DOWN with L4CON', async () => {
      const row = parseStatCsv(await lb.command('show stat app 4 -1')).find((r) => r.svname === 'web0');
      return row?.status === 'DOWN' && row.check_status === 'L4CON';
    });
    const hold = await silentListener(web0);
    try {
      // The next check connects and waits for an answer: caught in progress, for up to 2 s.
      await until('web0 check in progress', async () => {
        const row = parseStatCsv(await lb.command('show stat app 4 -1')).find((r) => r.svname === 'web0');
        return row?.check_status === '* L4CON';
      });
      const p = proxyRun(groupsConfig(lb.adminSock), inventory(nodes));
      const driver = new HaproxyDriver(p.run.knownHost('lb0')!, p.run, ['app'], { socket: lb.adminSock });
      const s = (await driver.readState()).servers.find((x) => x.server === 'web0')!;
      expect(s.check).toMatch(/^L4CON(: .+)?$/);
      expect(s).toMatchObject({ health: 'down', status: 'DOWN', checkStatus: 'L4CON' });
    } finally {
      await hold.close();
      await web0.start();
    }
  });
});
