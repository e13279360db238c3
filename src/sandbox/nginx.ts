// The sandbox's second front door: nginx on the LB host's address, upstream `app`
// with every web host, run as the hosts' login user so dpl's nginx driver (over SSH
// from lb-0) rewrites its server lines, `nginx -t`s and reloads it, as on a real LB.
// The web hosts are behind HAProxy too: roll out or restart through one of them at a
// time (`lb=nginx` in deployfile.example.ts). Only when this machine has nginx.
import { startNginx, type NginxPlan } from '../fleet/nginx.js';
import { BACKEND, type SandboxInfo } from './layout.js';

export function nginxPlanOf(info: SandboxInfo): NginxPlan {
  const ng = info.nginx!;
  const web = (info.inventory.roles.web ?? []).map((n) => info.hosts[n]!);
  return {
    dir: ng.dir,
    listen: `${ng.frontend.address}:${ng.frontend.port}`,
    backend: BACKEND,
    servers: web.map((h) => ({ name: h.name, address: `${h.address}:${h.appPort}` })),
    serverInclude: ng.maintenanceInclude.replace('{backend}', BACKEND),
  };
}

/** Start nginx (detached, as the login user); its pid. */
export async function startSandboxNginx(info: SandboxInfo): Promise<number> {
  const { pid } = await startNginx(nginxPlanOf(info), { binary: info.nginx!.bin, detached: true, owner: { uid: info.uid, gid: info.gid } });
  return pid;
}
