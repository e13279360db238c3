// dpl-deploy/testing: real sshd hosts on loopback for testing a deployfile, the same
// fleet dpl's own tests, bench and sandbox run on (src/fleet). A small, stable API:
//
//   import { startFleet } from 'dpl-deploy/testing';
//   const fleet = await startFleet({ hosts: 2 });
//   // deployfile: hosts: fleet.hosts, defaults: fleet.defaults   (or: dpl -F fleet.sshConfig -H web-0 ...)
//   await fleet.stop();
//
// Linux only (it reads /proc); needs OpenSSH's sshd (and haproxy for a load balancer).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './core/errors.js';
import { launchFleet, stopFleet, type FleetLayout } from './fleet/fleet.js';
import { startHaproxy, stopHaproxy, type HaproxySocket } from './fleet/haproxy.js';
import { freePort } from './fleet/net.js';
import { findTools } from './fleet/tools.js';

export interface FleetOptions {
  /** How many hosts (named web-0, web-1, ...) or their names. Default 2, at most 16. */
  hosts?: number | string[];
  /** Put HAProxy in front of every host's app on `appPort` (backend `backend`, default `app`). */
  haproxy?: { appPort: number; backend?: string; healthPath?: string };
}

/** One host as a deployfile's `hosts` takes it; `vars.root` is its own tree (also its $HOME). */
export interface FleetHostSpec {
  hostname: string;
  port: number;
  user: string;
  vars: { root: string };
}

export interface TestFleet {
  /** Everything of the fleet lives here; removed by stop(). */
  dir: string;
  /** The login user on every host. */
  user: string;
  /** An ssh_config with an alias per host: `ssh -F <sshConfig> web-0`, `dpl -F <sshConfig> -H web-0`. */
  sshConfig: string;
  /** Pins every host's key. */
  knownHosts: string;
  /** The client key every host authorizes. */
  identity: string;
  /** Host name → spec, for a deployfile's `hosts`. */
  hosts: Record<string, FleetHostSpec>;
  /** For a deployfile's `defaults` (the fleet's ssh_config and known_hosts). */
  defaults: { sshConfig: string; knownHosts: string };
  /** `{ hosts, defaults, haproxy }` as JSON, for a deployfile that runs in another process. */
  inventoryFile: string;
  haproxy: { url: string; socket: string; backend: string } | null;
  /** Stop every sshd (and HAProxy) and remove `dir`. */
  stop(): Promise<void>;
}

const MAX_HOSTS = 16;

function names(hosts: FleetOptions['hosts']): string[] {
  const list = Array.isArray(hosts) ? hosts : Array.from({ length: hosts ?? 2 }, (_, i) => `web-${i}`);
  if (list.length < 1 || list.length > MAX_HOSTS) throw new UsageError(`startFleet: between 1 and ${MAX_HOSTS} hosts, not ${list.length}`);
  const bad = list.find((n) => !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(n));
  if (bad !== undefined) throw new UsageError(`startFleet: host name ${JSON.stringify(bad)} is not a plain name (letters, digits, . _ -)`);
  return list;
}

/** Start a fleet of real sshd hosts on 127.0.40.x (ports from 4201, moved per parallel fleet). */
export async function startFleet(o: FleetOptions = {}): Promise<TestFleet> {
  const list = names(o.hosts);
  if (o.haproxy) findTools(['haproxy'], 'startFleet({ haproxy }) runs a real HAProxy');
  const layout: FleetLayout = { kind: 'testing', basePort: 4201, slotStride: 20, hosts: list.map((name, i) => ({ name, address: `127.0.40.${i + 1}` })) };
  const info = await launchFleet(layout, { keyComment: 'dpl-testing', purpose: 'test fleet (dpl-deploy/testing)' });
  let lb: { pid: number; sockets: HaproxySocket[] } | undefined;
  const stop = async () => {
    if (lb) await stopHaproxy(lb.pid, lb.sockets);
    await stopFleet(info);
  };
  try {
    const hosts = Object.fromEntries(list.map((n) => [n, { hostname: info.hosts[n]!.address, port: info.hosts[n]!.port, user: info.user, vars: { root: info.hosts[n]!.root } }]));
    let haproxy: TestFleet['haproxy'] = null;
    if (o.haproxy) {
      const backend = o.haproxy.backend ?? 'app';
      const socket = join(info.dir, 'haproxy.sock');
      const port = await freePort('127.0.0.1');
      // The login user may use the admin socket (dpl reaches it over SSH, as on a real LB).
      const sockets: HaproxySocket[] = [{ path: socket, level: 'admin', mode: '660', user: info.user }];
      const plan = {
        config: join(info.dir, 'haproxy.cfg'),
        logFile: join(info.dir, 'haproxy.log'),
        sockets,
        bind: `127.0.0.1:${port}`,
        backend,
        healthPath: o.haproxy.healthPath,
        servers: list.map((n) => ({ name: n, address: `${info.hosts[n]!.address}:${o.haproxy!.appPort}` })),
      };
      // No app is deployed yet: ready once the admin socket answers, servers may be DOWN.
      const { pid } = await startHaproxy(plan, { waitFor: [] });
      lb = { pid, sockets };
      haproxy = { url: `http://127.0.0.1:${port}/`, socket, backend };
    }
    const defaults = { sshConfig: info.configFile, knownHosts: info.knownHostsFile };
    const inventoryFile = join(info.dir, 'inventory.json');
    writeFileSync(inventoryFile, JSON.stringify({ hosts, defaults, haproxy }, null, 2) + '\n', { mode: 0o644 });
    return { dir: info.dir, user: info.user, sshConfig: info.configFile, knownHosts: info.knownHostsFile, identity: info.keys.plain, hosts, defaults, inventoryFile, haproxy, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
