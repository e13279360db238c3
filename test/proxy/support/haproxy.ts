// A real HAProxy per test file (the fleet's, src/fleet/haproxy.ts): its own config in
// a temp dir, an admin socket and an operator socket, a frontend on a free loopback
// port, backend `app` with health-checked servers pointing at the test's node backends.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, haproxyCommand, serverRows, startHaproxy as startFleetHaproxy, stopHaproxy, type HaproxyPlan } from '../../../src/fleet/index.js';
import type { Backend } from './backends.js';
import { until } from './backends.js';

export interface Haproxy {
  dir: string;
  adminSock: string;
  operatorSock: string;
  port: number;
  /** One runtime API exchange, independent of the code under test. */
  command(line: string, sock?: string): Promise<string>;
  /** svname → status column of `show stat`. */
  statuses(backend?: string): Promise<Record<string, string>>;
  /** svname → ready | drain | maint, from the admin state bits of `show servers state`. */
  admin(backend?: string): Promise<Record<string, string>>;
  /** Every server ready and UP again (between tests). */
  reset(backends: readonly Backend[]): Promise<void>;
  stop(): Promise<void>;
}

/** `socketUser`: the admin socket also belongs to this user (a bed login user reaching it over SSH). */
export async function startHaproxy(backends: readonly Pick<Backend, 'name' | 'address'>[], opts: { extraBackends?: string; socketUser?: string } = {}): Promise<Haproxy> {
  const dir = await mkdtemp(join(tmpdir(), 'dpl-haproxy-'));
  const port = await freePort();
  const adminSock = join(dir, 'admin.sock');
  const operatorSock = join(dir, 'operator.sock');
  const plan: HaproxyPlan = {
    config: join(dir, 'haproxy.cfg'),
    logFile: join(dir, 'haproxy.log'),
    sockets: [
      { path: adminSock, level: 'admin', ...(opts.socketUser ? { mode: '660', user: opts.socketUser } : {}) },
      { path: operatorSock, level: 'operator' },
    ],
    bind: `127.0.0.1:${port}`,
    backend: 'app',
    servers: backends.map((b) => ({ name: b.name, address: b.address })),
    interMs: 200,
    extra: opts.extraBackends,
  };
  let running: Awaited<ReturnType<typeof startFleetHaproxy>>;
  try {
    running = await startFleetHaproxy(plan);
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const command = (line: string, sock = adminSock): Promise<string> => haproxyCommand(sock, line);
  const rows = (backend = 'app') => serverRows(adminSock, backend);
  const statuses = async (backend?: string) => Object.fromEntries((await rows(backend)).map((r) => [r.server, r.status]));
  const admin = async (backend?: string) => Object.fromEntries((await rows(backend)).map((r) => [r.server, r.admin]));
  const reset = async (nodes: readonly Backend[]): Promise<void> => {
    for (const n of nodes) {
      n.healthy = true;
      if (!n.running) await n.start();
    }
    await command(nodes.map((n) => `set server app/${n.name} state ready`).join('; '));
    await until('every server UP', async () => {
      const st = await statuses();
      return nodes.every((n) => st[n.name] === 'UP');
    });
  };
  return {
    dir,
    adminSock,
    operatorSock,
    port,
    command,
    statuses,
    admin,
    reset,
    stop: async () => {
      await stopHaproxy(running.pid, plan.sockets);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
