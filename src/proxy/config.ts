// What a deployfile says about its load balancers. Checked once, when
// `proxyTasks(config)` is called, so a typo fails at load time with exit 2.
import { UsageError } from '../core/errors.js';

/** A group's members: inventory host names (or LB server names), or a selection of hosts/roles. */
export type GroupMembers = string[] | { hosts?: string[]; roles?: string[] };

export interface HealthConfig {
  /** Path GET from the LB host before a server is made `ready` (2xx only); false: trust the LB's checks alone. Default "/health". */
  path?: string | false;
  /** Host header of the probe (default: the node's address). */
  hostHeader?: string;
  /** Consecutive good rounds needed (default 2). */
  passes?: number;
  /** Time between rounds (default 1000 ms). */
  intervalMs?: number;
  /** Give up, and refuse the change, after this long (default 30 s). */
  timeoutMs?: number;
  /** One probe's timeout (default 5 s). */
  requestTimeoutMs?: number;
}

export interface HaproxyConfig {
  /** Admin socket on the LB host (default /run/haproxy/admin.sock). A host var `haproxySocket` overrides it per LB. */
  socket?: string;
  /** Reach the runtime API over TCP instead (`stats socket ipv4@127.0.0.1:9999 level admin`), as seen from the LB host. */
  tcp?: { host: string; port: number };
  /** One socket exchange's timeout (default 10 s). */
  timeoutMs?: number;
}

export interface NginxConfig {
  /** Include file of `server` lines that dpl owns, one per backend (upstream); `{backend}` is replaced. */
  include: string;
  /** nginx binary on the LB host (default "nginx"). */
  bin?: string;
  /** Extra arguments for every nginx call, e.g. ["-c", "/etc/nginx/nginx.conf"]. */
  args?: string[];
  /** Run nginx and file writes through `sudo -n` (default false). */
  sudo?: boolean;
  /** Master pid file, used to wait for old workers after a reload (default /run/nginx.pid). */
  pidFile?: string;
}

export interface MaintenanceConfig {
  /** Local page file (relative to the deployfile), shipped to each LB by `proxy.maintenance:on`; default a plain page. */
  page?: string;
  /** Retry-After seconds of the 503 (default 60). */
  retryAfter?: number;
  /** HAProxy: the map file haproxy.cfg's maintenance rule reads (default /etc/haproxy/dpl-maintenance.map). */
  haproxyMap?: string;
  /** nginx: the server-level include file dpl switches, `{backend}` replaced (default /etc/nginx/dpl-maintenance-{backend}.conf). */
  nginxInclude?: string;
}

export interface ProxyConfig {
  /** Load balancer host(s): inventory names or host strings, or a selection. */
  lb: string | string[] | { hosts?: string[]; roles?: string[] };
  /** Default "haproxy". */
  driver?: 'haproxy' | 'nginx';
  /** HAProxy backends / nginx upstreams whose servers dpl moves. Every group server must be in each. */
  backends: string | string[];
  /** Group name → members. A member host's LB server name is its `vars[serverVar]`, else its name. */
  groups: Record<string, GroupMembers>;
  /** Host variable holding the LB server name (default "lbServer"). */
  serverVar?: string;
  haproxy?: HaproxyConfig;
  nginx?: NginxConfig;
  health?: HealthConfig;
  /** How long to wait for drained servers to finish their sessions (default 60 s); then warn. */
  drainTimeoutMs?: number;
  /** Poll interval while draining (default 500 ms). */
  pollMs?: number;
  /** The maintenance page (`proxy.maintenance:on|off`). */
  maintenance?: MaintenanceConfig;
}

const RESERVED = new Set(['only', 'flip', 'all', 'status', 'maintenance']);
/** Names that reach HAProxy's CLI inside `set server BE/SRV`: no spaces, `;` or `/`. */
export const LB_NAME = /^[A-Za-z0-9_.:-]+$/;

export function backendsOf(config: ProxyConfig): string[] {
  return typeof config.backends === 'string' ? [config.backends] : [...config.backends];
}

export function validateConfig(config: ProxyConfig): void {
  const bad = (what: string): never => {
    throw new UsageError(`proxyTasks: ${what}`, { code: 'config.invalid', hint: 'see ProxyConfig in src/proxy/config.ts' });
  };
  if (!config || typeof config !== 'object') bad('needs a config object');
  if (!config.lb || (Array.isArray(config.lb) && config.lb.length === 0)) bad('`lb` names no load balancer host');
  const backends = backendsOf(config);
  if (backends.length === 0) bad('`backends` is empty');
  for (const b of backends) if (!LB_NAME.test(b)) bad(`backend name ${JSON.stringify(b)} has characters HAProxy names cannot have`);
  const driver = config.driver ?? 'haproxy';
  if (driver !== 'haproxy' && driver !== 'nginx') bad(`unknown driver ${JSON.stringify(driver)} (haproxy or nginx)`);
  if (driver === 'nginx' && !config.nginx?.include) bad('the nginx driver needs `nginx.include` (the file of server lines dpl owns)');
  const names = Object.keys(config.groups ?? {});
  if (names.length < 2) bad('`groups` needs at least two groups (one leaves rotation while the other serves)');
  for (const name of names) {
    if (RESERVED.has(name)) bad(`group name "${name}" clashes with the task proxy.${name}`);
    if (!/^[A-Za-z0-9_-]+$/.test(name)) bad(`group name ${JSON.stringify(name)}: use letters, digits, _ and -`);
    const m = config.groups[name]!;
    const empty = Array.isArray(m) ? m.length === 0 : !m?.hosts?.length && !m?.roles?.length;
    if (empty) bad(`group "${name}" has no members`);
  }
  const m = config.maintenance ?? {};
  if (m.retryAfter !== undefined && !(Number.isInteger(m.retryAfter) && m.retryAfter >= 0)) bad('`maintenance.retryAfter` must be whole seconds');
  for (const [k, v] of [['haproxyMap', m.haproxyMap], ['nginxInclude', m.nginxInclude]] as const) {
    // These paths go into haproxy.cfg / nginx.conf words: keep them plain.
    if (v !== undefined && !/^\/[A-Za-z0-9_.\/{}-]+$/.test(v)) bad(`\`maintenance.${k}\` must be an absolute path of letters, digits, _ . - /`);
  }
  const h = config.health ?? {};
  if (h.path !== undefined && h.path !== false && !h.path.startsWith('/')) bad('`health.path` must start with "/"');
}
