// Before a server takes traffic it must be healthy twice in a row, from the LB's
// viewpoint: the LB's own check (when it runs while the server is out), and our
// own GET of the health path. The GET matters for servers leaving maint, which
// HAProxy marks UP before its first check.
import { HostError, InterruptedError } from '../core/errors.js';
import type { Transport } from '../transport/types.js';
import type { HealthConfig } from './config.js';
import { serverKey, type LoadBalancerDriver, type ServerState } from './driver.js';
import { httpProbe, type ProbeResult } from './probe.js';

export interface VerifyOptions {
  driver: LoadBalancerDriver;
  transport: () => Promise<Transport>;
  servers: readonly ServerState[];
  health: HealthConfig;
  signal?: AbortSignal;
  /** Called once per round with what is still failing (for progress events). */
  onWait?: (failing: Map<string, string>) => void;
}

export async function verifyHealthy(o: VerifyOptions): Promise<void> {
  if (o.servers.length === 0) return;
  const path = o.health.path === undefined ? '/health' : o.health.path;
  const need = o.health.passes ?? 2;
  const interval = o.health.intervalMs ?? 1000;
  const timeout = o.health.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeout;
  const passes = new Map<string, number>();
  let failing = new Map<string, string>();
  let round = 0;
  for (;;) {
    if (o.signal?.aborted) throw new InterruptedError('interrupted while checking the health of incoming servers');
    const fresh = o.driver.checksWhileOut && round > 0 ? (await o.driver.readState()).servers : o.servers;
    const current = o.servers.map((s) => fresh.find((f) => serverKey(f) === serverKey(s)) ?? s);
    const probes = path === false ? new Map<string, ProbeResult>() : await probeAll(o, current, path);
    failing = new Map();
    for (const s of current) {
      const reasons: string[] = [];
      const lbChecks = o.driver.checksWhileOut && s.admin !== 'maint' && s.health !== 'unchecked';
      if (lbChecks && s.health !== 'up') reasons.push(`LB says ${s.status}${s.check ? ` (${s.check})` : ''}`);
      if (path === false && !lbChecks) {
        throw new HostError(o.driver.lb.name, `cannot check ${serverKey(s)} before it takes traffic: the LB does not check it (${s.status || s.admin}) and health.path is false`, {
          code: 'proxy.failed',
          hint: 'set `health.path` in the proxy config so dpl can GET it from the LB host, or pass force=true',
        });
      }
      const p = s.checkAddress ? probes.get(addrKey(s.checkAddress)) : undefined;
      if (path !== false && !p) reasons.push('no address to probe');
      if (p && !p.ok) reasons.push(`GET ${path} → ${p.detail}`);
      const key = serverKey(s);
      passes.set(key, reasons.length ? 0 : (passes.get(key) ?? 0) + 1);
      if (reasons.length) failing.set(key, reasons.join('; '));
    }
    if (current.every((s) => (passes.get(serverKey(s)) ?? 0) >= need)) return;
    if (Date.now() + interval > deadline) break;
    if (failing.size) o.onWait?.(failing);
    await sleep(interval, o.signal);
    round++;
  }
  const detail = [...(failing.size ? failing : new Map([['(all)', `not healthy ${need} times in a row`]]))]
    .map(([k, why]) => `    ${k}: ${why}`)
    .join('\n');
  throw new HostError(
    o.driver.lb.name,
    `refusing to put ${o.servers.map(serverKey).join(', ')} in rotation: health checks failed for ${Math.round(timeout / 100) / 10} s\n${detail}`,
    { code: 'proxy.failed', hint: 'fix or start those nodes and try again (`proxy.status` shows the LB\'s view); force=true skips health checks' },
  );
}

async function probeAll(o: VerifyOptions, servers: readonly ServerState[], path: string): Promise<Map<string, ProbeResult>> {
  const targets = new Map<string, { host: string; port: number }>();
  for (const s of servers) if (s.checkAddress) targets.set(addrKey(s.checkAddress), s.checkAddress);
  const transport = await o.transport();
  const opts = { path, hostHeader: o.health.hostHeader, timeoutMs: o.health.requestTimeoutMs ?? 5000 };
  const results = await Promise.all([...targets].map(async ([k, t]) => [k, await httpProbe(transport, t, opts)] as const));
  return new Map(results);
}

function addrKey(a: { host: string; port: number }): string {
  return `${a.host}:${a.port}`;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
