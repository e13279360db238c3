// A real nginx for a rollout on the bed, started by the fleet's launcher
// (src/fleet/nginx.ts): it runs as the bed's login user, so the nginx driver, logged
// in over SSH as that user on the LB host, can rewrite the upstream include file,
// `nginx -t` and reload it. One server line per web host, named for the host
// (`# dpl:web-0 ready`), as the nginx driver keeps them.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BedInfo } from './bed.js';
import { freePort } from '../proxy/support/backends.js';
import { stopServer } from '../proxy/support/server-process.js';
import { nginxUpstream, startNginx, type NginxDriverConfig, type NginxPlan } from '../../src/fleet/nginx.js';

export interface BedNginx {
  port: number;
  /** What `ProxyConfig.nginx` needs. */
  config: NginxDriverConfig;
  upstream(): string;
  stop(): Promise<void>;
}

export async function startBedNginx(bed: BedInfo, servers: readonly { name: string; address: string }[]): Promise<BedNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'dpl-bed-nginx-'));
  const port = await freePort();
  const plan: NginxPlan = { dir, listen: `127.0.0.1:${port}`, backend: 'app', servers: [...servers] };
  const running = await startNginx(plan, { binary: '/usr/sbin/nginx', owner: { uid: bed.uid, gid: bed.gid } });
  return {
    port,
    config: running.config,
    upstream: () => nginxUpstream(plan),
    stop: () => stopServer(running.child, dir),
  };
}
