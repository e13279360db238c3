// The sandbox's load balancer: the fleet's HAProxy (src/fleet/haproxy.ts) on the LB
// host's address, one health-checked server per web host in backend `app`, and an
// admin socket in the sandbox directory that the hosts' login user may use (dpl
// reaches it over SSH from lb-0, as it would on a real LB). It outlives `up`.
import { startHaproxy as startFleetHaproxy, type HaproxyPlan } from '../fleet/haproxy.js';
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
  };
}

/** Start HAProxy (detached) and wait until every web host is UP; its pid. */
export async function startHaproxy(binary: string, info: SandboxInfo): Promise<number> {
  const { pid } = await startFleetHaproxy(plan(info), {
    binary,
    detached: true,
    unhealthyHint: `the app logs are ~/log/airship.log in each host's tree under ${info.dir}/hosts`,
  });
  return pid;
}
