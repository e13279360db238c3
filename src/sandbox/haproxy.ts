// The sandbox's load balancer: the fleet's HAProxy (src/fleet/haproxy.ts) on the LB
// host's address, one health-checked server per web host in backend `app`, and an
// admin socket in the sandbox directory that the hosts' login user may use (dpl
// reaches it over SSH from lb-0, as it would on a real LB). It outlives `up`.
import { chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { startHaproxy as startFleetHaproxy, type HaproxyPlan } from '../fleet/haproxy.js';
import { haproxyRule } from '../proxy/maintenance-haproxy.js';
import type { SandboxInfo } from './layout.js';

export { serverRows, type ServerRow } from '../fleet/haproxy.js';

function plan(info: SandboxInfo): HaproxyPlan {
  const { haproxy: hx } = info;
  const web = (info.inventory.roles.web ?? []).map((n) => info.hosts[n]!);
  return {
    config: hx.config,
    logFile: `${hx.dir}/haproxy.log`,
    pidFile: hx.pidFile,
    sockets: [{ path: hx.socket, level: 'admin', mode: '660', user: info.user }],
    bind: `${hx.frontend.address}:${hx.frontend.port}`,
    backend: hx.backend,
    servers: web.map((h) => ({ name: h.name, address: `${h.address}:${h.appPort}` })),
    // proxy.maintenance's rule (docs/proxy.md): the map starts empty, writable by the login user.
    backendLines: [haproxyRule(hx.maintenanceMap)],
  };
}

/** The map in a directory of the login user's own: dpl replaces it by a rename there. */
function ensureMap(info: SandboxInfo): void {
  const map = info.haproxy.maintenanceMap;
  mkdirSync(dirname(map), { recursive: true });
  if (!existsSync(map)) writeFileSync(map, '');
  for (const p of [dirname(map), map]) chownSync(p, info.uid, info.gid);
}

/** Start HAProxy (detached) and wait until every web host is UP; its pid. */
export async function startHaproxy(binary: string, info: SandboxInfo): Promise<number> {
  ensureMap(info);
  const { pid } = await startFleetHaproxy(plan(info), {
    binary,
    detached: true,
    unhealthyHint: `the app logs are ~/log/airship.log in each host's tree under ${info.dir}/hosts`,
  });
  return pid;
}
