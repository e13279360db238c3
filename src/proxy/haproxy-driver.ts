// HAProxy behind the LoadBalancerDriver interface, over the runtime API.
// Reads and writes go to HAProxy every time: no local record of rotation.
import { HostError } from '../core/errors.js';
import type { Host } from '../core/host.js';
import type { RunImpl as Run } from '../core/run.js';
import type { SocketTarget } from '../transport/types.js';
import type { HaproxyConfig } from './config.js';
import { LB_NAME } from './config.js';
import { orderChanges, serverKey } from './driver.js';
import type { LbState, LoadBalancerDriver, Pending, ServerChange, ServerRef, ServerState } from './driver.js';
import { describeSocket, haproxyCommands, type SocketOptions } from './haproxy-socket.js';
import { mergeState, parseServersState, parseStatCsv, type StatRow } from './haproxy-state.js';

export const DEFAULT_SOCKET = '/run/haproxy/admin.sock';
const ADMIN_HINT =
  'dpl needs the socket at level admin: in haproxy.cfg `stats socket /run/haproxy/admin.sock mode 660 level admin` ' +
  '(operator and user levels can only read), then reload haproxy';

export class HaproxyDriver implements LoadBalancerDriver {
  readonly kind = 'haproxy' as const;
  readonly checksWhileOut = true;
  readonly endpoint: string;
  private readonly socket: SocketOptions;

  constructor(
    readonly lb: Host,
    readonly run: Pick<Run, 'transport'>,
    private readonly backends: readonly string[],
    config: HaproxyConfig = {},
  ) {
    const fromVar = typeof lb.vars.haproxySocket === 'string' ? lb.vars.haproxySocket : undefined;
    const target: SocketTarget = config.tcp ? { ...config.tcp } : { path: fromVar ?? config.socket ?? DEFAULT_SOCKET };
    this.endpoint = describeSocket(target);
    this.socket = { lb, target, timeoutMs: config.timeoutMs ?? 10_000, transport: () => run.transport(lb) };
  }

  async readState(): Promise<LbState> {
    const cmds = ['show cli level', ...this.backends.flatMap((b) => [`show servers state ${b}`, `show stat ${b} 4 -1`])];
    const answers = await haproxyCommands(this.socket, cmds);
    const level = answers[0]!.trim();
    const servers: ServerState[] = [];
    for (const [i, backend] of this.backends.entries()) {
      const state = answers[1 + 2 * i]!;
      const stat = answers[2 + 2 * i]!;
      for (const a of [state, stat]) {
        if (isDenied(a)) throw this.accessError(level, a);
        if (/^(Can't find backend|No such backend|No such proxy)/i.test(a.trim())) throw await this.unknownBackend(backend);
      }
      servers.push(...mergeState(this.parse(() => parseServersState(state)), this.parse(() => parseStatCsv(stat))));
    }
    const readOnly =
      level === 'operator' || level === 'user'
        ? { reason: `the HAProxy ${this.endpoint} is at level ${level}: it can show state but not change it`, hint: ADMIN_HINT }
        : undefined;
    return { servers, readOnly };
  }

  /** Raw runtime API commands on one connection (the maintenance map uses them). */
  commands(cmds: readonly string[]): Promise<string[]> {
    return haproxyCommands(this.socket, cmds);
  }

  /** Cumulative `show stat` rows of this driver's backends (the rollout bake samples them). */
  async statRows(): Promise<StatRow[]> {
    const answers = await haproxyCommands(this.socket, this.backends.map((b) => `show stat ${b} 4 -1`));
    return answers.flatMap((a) => parseStatCsv(a));
  }

  /** `backend/server` → the server's current weight (`get weight`: "3 (initial 1)"). */
  async weights(refs: readonly ServerRef[]): Promise<Map<string, number>> {
    for (const r of refs) checkName(r);
    const answers = await haproxyCommands(this.socket, refs.map((r) => `get weight ${serverKey(r)}`));
    return new Map(refs.map((r, i) => {
      const answer = answers[i]!.trim();
      const m = /^(\d+) \(initial \d+\)/.exec(answer);
      if (!m) throw isDenied(answer) ? this.accessError(undefined, answer) : new HostError(this.lb.name, `HAProxy did not give the weight of ${serverKey(r)}: "${answer.split('\n')[0]}"`, { code: 'proxy.failed' });
      return [serverKey(r), Number(m[1])] as const;
    }));
  }

  /** `set weight` for each server, on one connection; refuses with every answer HAProxy gave. */
  async setWeights(changes: readonly (ServerRef & { weight: number })[]): Promise<void> {
    if (changes.length === 0) return;
    for (const c of changes) {
      checkName(c);
      if (!Number.isInteger(c.weight) || c.weight < 0 || c.weight > 256) throw new TypeError(`bad HAProxy weight ${c.weight} for ${serverKey(c)}`);
    }
    const answers = await haproxyCommands(this.socket, changes.map((c) => `set weight ${serverKey(c)} ${c.weight}`));
    const failed = changes.map((c, i) => ({ c, answer: answers[i]!.trim() })).filter((f) => f.answer !== '');
    if (failed.length === 0) return;
    const denied = failed.find((f) => isDenied(f.answer));
    if (denied) throw this.accessError(undefined, denied.answer);
    throw new HostError(this.lb.name, `HAProxy refused ${failed.map((f) => `weight ${f.c.weight} for ${serverKey(f.c)}: ${f.answer.split('\n')[0]}`).join('; ')}`, {
      code: 'proxy.failed',
      hint: 'a weighted canary needs a backend with a dynamic balance algorithm (roundrobin, leastconn, first): static-rr and `hash-type map-based` only take weights 0% and 100%',
    });
  }

  async setStates(changes: readonly ServerChange[]): Promise<void> {
    if (changes.length === 0) return;
    const ordered = orderChanges(changes);
    for (const c of ordered) {
      if (!LB_NAME.test(c.backend) || !LB_NAME.test(c.server)) throw new TypeError(`bad server name ${serverKey(c)}`);
    }
    // One line: HAProxy applies the readies before the drains, with nothing in between.
    const answers = await haproxyCommands(this.socket, ordered.map((c) => `set server ${serverKey(c)} state ${c.state}`));
    const failed = ordered.map((c, i) => ({ c, answer: answers[i]!.trim() })).filter((f) => f.answer !== '');
    if (failed.length === 0) return;
    const denied = failed.find((f) => isDenied(f.answer));
    if (denied) throw this.accessError(undefined, denied.answer);
    const applied = ordered.filter((c) => !failed.some((f) => f.c === c)).map((c) => `${serverKey(c)} → ${c.state}`);
    throw new HostError(
      this.lb.name,
      `HAProxy refused ${failed.map((f) => `${serverKey(f.c)} → ${f.c.state}: ${f.answer}`).join('; ')}` +
        (applied.length ? `\n  (applied anyway: ${applied.join(', ')})` : ''),
      { code: 'proxy.failed', hint: 'check the server names in the proxy config against haproxy.cfg, then run `dpl <env> proxy.status`' },
    );
  }

  async pending(servers: readonly ServerRef[]): Promise<Pending[]> {
    const backends = [...new Set(servers.map((s) => s.backend))];
    if (backends.length === 0) return [];
    const answers = await haproxyCommands(this.socket, backends.map((b) => `show stat ${b} 4 -1`));
    const rows = answers.flatMap((a) => this.parse(() => parseStatCsv(a)));
    const wanted = new Set(servers.map(serverKey));
    return rows
      .filter((r) => wanted.has(`${r.pxname}/${r.svname}`) && Number(r.scur) > 0)
      .map((r) => ({ what: `${r.pxname}/${r.svname}`, sessions: Number(r.scur) }));
  }

  private parse<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw new HostError(this.lb.name, `cannot read the HAProxy ${this.endpoint}: ${(e as Error).message}`, {
        code: 'proxy.failed',
        hint: 'dpl speaks the HAProxy 2.x runtime API; is this HAProxy older than 1.8?',
      });
    }
  }

  private accessError(level: string | undefined, answer: string): HostError {
    const at = level && level !== 'admin' && /^\w+$/.test(level) ? ` (level ${level})` : '';
    return new HostError(
      this.lb.name,
      `the HAProxy ${this.endpoint} does not allow changing servers${at}: HAProxy said "${answer.split('\n')[0]}"`,
      { code: 'proxy.failed', hint: ADMIN_HINT },
    );
  }

  private async unknownBackend(backend: string): Promise<HostError> {
    let known = '';
    try {
      const [list] = await haproxyCommands(this.socket, ['show backend']);
      const names = list!.split('\n').filter((l) => l && !l.startsWith('#'));
      known = names.length ? ` (it has: ${names.join(', ')})` : '';
    } catch {
      /* the error below is the useful one */
    }
    return new HostError(this.lb.name, `HAProxy has no backend "${backend}"${known}`, {
      code: 'proxy.failed',
      hint: 'fix `backends` in the proxy config of the deployfile to match haproxy.cfg',
    });
  }
}

function checkName(r: ServerRef): void {
  if (!LB_NAME.test(r.backend) || !LB_NAME.test(r.server)) throw new TypeError(`bad server name ${serverKey(r)}`);
}

function isDenied(answer: string): boolean {
  return /^(Permission denied|Unknown command)/i.test(answer.trim());
}
