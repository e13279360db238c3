// The health check of a node after its restart, before it takes traffic again:
// GET the health path, 2xx only (a redirect fails), each request with a timeout,
// `passes` good answers in a row, give up after `giveUpMs`. By default the TCP
// stream is opened by the node's own SSH connection (`Transport.connect`), so the
// app is reached exactly where it listens, even on a private address.
import { internal } from '../core/internal.js';
import type { Context } from '../core/context-types.js';
import type { Host } from '../core/host.js';
import { InterruptedError, UsageError } from '../core/errors.js';
import { fanOut } from '../core/fanout.js';
import type { Transport } from '../transport/types.js';
import { httpProbe } from '../proxy/probe.js';
import { sleep } from '../proxy/health.js';
import { parseAddress } from '../proxy/nginx-file.js';
import type { ResolvedRollout } from './config.js';
import { tell } from './events.js';

export interface HealthResult {
  host: string;
  ok: boolean;
  target: string;
  /** The last answer ("200 OK", "503 Service Unavailable", "cannot connect: connection refused"). */
  detail: string;
  attempts: number;
  elapsedMs: number;
}

type Health = ResolvedRollout['health'];

/** Where to GET, as seen from where the stream is opened. Host var > config > the LB's address of the server. */
export function healthTarget(host: Host, h: Health, lbAddress?: { host: string; port: number }): { host: string; port: number } {
  const v = host.vars[h.hostVar];
  const fallbackHost = h.address ?? lbAddress?.host ?? (h.via === 'local' ? host.hostname : '127.0.0.1');
  let address = fallbackHost;
  let port = h.port ?? lbAddress?.port;
  if (typeof v === 'number') port = v;
  else if (typeof v === 'string' && v.trim()) {
    const text = v.trim();
    if (/^\d+$/.test(text)) port = Number(text);
    else if (/:\d+$/.test(text) || text.startsWith('[')) {
      const a = parseAddress(text);
      if (a) ({ host: address, port } = a);
    } else address = text;
  }
  if (!port || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`rollout: no port for the health check of ${host.name}`, {
      code: 'config.invalid',
      hint: `set rollout.health.port, or the host var ${h.hostVar} ("address:port"), or put the host behind the load balancer`,
    });
  }
  return { host: address, port };
}

export async function checkHealthAll(
  c: Context,
  hosts: readonly Host[],
  h: Health,
  phase: 'deploy' | 'rollback' | 'restart',
  addressOf: (host: Host) => { host: string; port: number } | undefined,
  size: number,
): Promise<HealthResult[]> {
  // Targets first: a host with no port stops the step before any check starts.
  const targets = new Map(hosts.map((host) => [host.name, healthTarget(host, h, addressOf(host))]));
  // `size` hosts at once (-z: each check holds an SSH stream); a check only throws when interrupted, and then after every check ended.
  const fan = await fanOut(hosts, (host) => checkHealth(c, host, h, phase, targets.get(host.name)!), { limit: size });
  if (fan.failed.length) throw fan.failed[0]!.error;
  return hosts.map((host) => fan.succeeded.get(host.name)!);
}

async function transportFor(c: Context, host: Host, h: Health): Promise<Transport> {
  if (h.via === 'local') {
    const { LocalTransport } = await import('../transport/local.js');
    return new LocalTransport(host);
  }
  return internal(c).runImpl.transport(host);
}

export async function checkHealth(c: Context, host: Host, h: Health, phase: 'deploy' | 'rollback' | 'restart', target: { host: string; port: number }): Promise<HealthResult> {
  const started = Date.now();
  const where = `GET http://${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}${h.path}${h.via === 'host' ? ` via ${host.name}` : ''}`;
  let passes = 0;
  let attempts = 0;
  let detail = '';
  let lastFailure = '';
  const emit = (ok: boolean, outcome?: 'passed' | 'gave-up'): void => {
    // Repeats of the same failure are debug lines: a node that takes 30 s to boot prints one warning.
    const repeat = !ok && !outcome && detail === lastFailure;
    tell(c, 'rollout.health', { host: host.name, phase, ok, passes, need: h.passes, target: where, detail, outcome, repeat, attempts, elapsedMs: Date.now() - started, giveUpMs: h.giveUpMs });
    if (!ok) lastFailure = detail;
  };
  let transport: Transport | undefined;
  for (;;) {
    if (c.session.signal.aborted) throw new InterruptedError(`interrupted while checking the health of ${host.name}`);
    attempts++;
    try {
      transport ??= await transportFor(c, host, h);
      const r = await httpProbe(transport, target, { path: h.path, hostHeader: h.hostHeader, timeoutMs: h.timeoutMs });
      detail = shorter(r.detail);
      passes = r.ok ? passes + 1 : 0;
    } catch (e) {
      detail = `cannot reach ${host.name}: ${(e as Error).message}`;
      passes = 0;
    }
    const ok = passes > 0;
    if (passes >= h.passes) {
      emit(true, 'passed');
      return { host: host.name, ok: true, target: where, detail, attempts, elapsedMs: Date.now() - started };
    }
    if (Date.now() - started + h.intervalMs > h.giveUpMs) {
      emit(false, 'gave-up');
      return { host: host.name, ok: false, target: where, detail, attempts, elapsedMs: Date.now() - started };
    }
    emit(ok);
    await sleep(h.intervalMs, c.session.signal);
  }
}

/** "cannot connect: cannot open 10.0.0.5:80 on the host: (SSH) Channel open failure: Connection refused" → "cannot connect: connection refused". */
function shorter(detail: string): string {
  const m = /^cannot connect: cannot open \S+ on the host: (?:\(SSH\) )?Channel open failure: (.+)$/i.exec(detail);
  return m ? `cannot connect: ${m[1]!.charAt(0).toLowerCase()}${m[1]!.slice(1)}` : detail;
}
