// Small HTTP nodes on 127.0.10.x for the load balancer to send traffic to. Each
// answers every path with its own name (so a test sees who served a request) and
// can be stopped and started again on the same address, like a deploy restart.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class Backend {
  private server?: Server;
  port = 0;
  served = 0;
  /** Set false to answer /health with 503 while still serving traffic. */
  healthy = true;
  /** How long `GET /slow` holds its session open. */
  slowMs = 3000;

  constructor(
    readonly name: string,
    readonly ip: string,
  ) {}

  get address(): string {
    return `${this.ip}:${this.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      if (req.url === '/slow') {
        setTimeout(() => res.end(this.name), this.slowMs);
        return;
      }
      if (req.url === '/health') {
        res.writeHead(this.healthy ? 200 : 503, { 'content-type': 'text/plain' });
        res.end(this.healthy ? 'ok' : 'unhealthy');
        return;
      }
      this.served++;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(this.name);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.ip, () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stop listening and drop every connection, as a process restart would. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  get running(): boolean {
    return !!this.server;
  }
}

export async function startBackends(count: number): Promise<Backend[]> {
  const nodes = Array.from({ length: count }, (_, i) => new Backend(`web${i}`, `127.0.10.${i + 1}`));
  for (const n of nodes) await n.start();
  return nodes;
}

export async function stopAll(nodes: readonly Backend[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.stop()));
}


/** A port nothing listens on right now (the fleet's). */
export { freePort } from '../../../src/fleet/net.js';

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Poll until `fn` returns true (or throw after `timeoutMs`). */
export async function until(what: string, fn: () => Promise<boolean> | boolean, timeoutMs = 10_000, stepMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(stepMs);
  }
}
