// A real nginx per test file on loopback, started by the fleet's launcher
// (src/fleet/nginx.ts): its own prefix, config, pid file and temp paths; upstream
// `app` includes the file dpl owns; `extra.conf` (http level) lets a test add a
// server or break `nginx -t` on purpose.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nginxFiles, startNginx as startFleetNginx, type NginxPlan } from '../../../src/fleet/nginx.js';
import type { Backend } from './backends.js';
import { freePort } from './backends.js';
import { stopServer } from './server-process.js';

export interface Nginx {
  dir: string;
  port: number;
  conf: string;
  include: string;
  extra: string;
  pidFile: string;
  args: string[];
  upstreamFile(): Promise<string>;
  stop(): Promise<void>;
}

const BIN = '/usr/sbin/nginx';

export async function startNginx(backends: readonly Backend[]): Promise<Nginx> {
  const dir = await mkdtemp(join(tmpdir(), 'dpl-nginx-'));
  const port = await freePort();
  const extra = join(dir, 'extra.conf');
  // A hand-written first line (weight=2): dpl keeps its comments and parameters.
  const servers = backends.map((b, i) => ({ name: b.name, address: b.address, params: i === 0 ? 'weight=2' : undefined }));
  const plan: NginxPlan = { dir, listen: `127.0.0.1:${port}`, backend: 'app', servers, httpInclude: extra };
  const { conf, upstream } = nginxFiles(plan, BIN);
  const running = await startFleetNginx(plan, { binary: BIN });
  const { include, args, pidFile } = running.config;
  return { dir, port, conf, include, extra, pidFile, args, upstreamFile: () => readFile(upstream, 'utf8'), stop: () => stopServer(running.child, dir) };
}
