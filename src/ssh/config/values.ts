// How OpenSSH reads one value: flags and multistate words, times, integers, ports,
// `[user@]host[:port]` (ProxyJump), and the algorithm names ssh 9.2 knows, so a
// value ssh rejects is rejected here too, with the same reason.
import { readFileSync } from 'node:fs';
import { ConfigSyntaxError } from './lexer.js';
import { matchPatternList } from './patterns.js';
import { OPENSSH_ALL, type Family } from '../openssh-lists.js';

export const FLAG = { true: 1, false: 0, yes: 1, no: 0 } as const;
export const YES_NO_ASK = { ...FLAG, ask: 2 } as const;
export const STRICT = { true: 'yes', false: 'no', yes: 'yes', no: 'no', ask: 'ask', off: 'no', 'accept-new': 'accept-new' } as const;
export const CANONICALIZE = { true: 'yes', false: 'no', yes: 'yes', no: 'no', always: 'always' } as const;
export const MULTISTATES = {
  flag: FLAG,
  yesnoask: YES_NO_ASK,
  yesnoaskconfirm: { ...YES_NO_ASK, confirm: 3 },
  addressfamily: { inet: 1, inet6: 2, any: 0 },
  controlmaster: { true: 1, yes: 1, false: 0, no: 0, auto: 2, ask: 3, autoask: 4 },
  tunnel: { ethernet: 2, 'point-to-point': 1, true: 3, yes: 3, false: 0, no: 0 },
  requesttty: { true: 1, yes: 1, false: 0, no: 0, force: 2, auto: 3 },
  sessiontype: { none: 0, subsystem: 1, default: 2 },
  pubkeyauth: { true: 1, false: 0, yes: 1, no: 0, unbound: 2, 'host-bound': 3 },
  compression: { yes: 1, no: 0, true: 1, false: 0 },
  strict: STRICT,
  canonicalize: CANONICALIZE,
} as const;

export function multistate<T extends Record<string, unknown>>(table: T, arg: string | undefined, where: string): T[keyof T] {
  if (arg === undefined || arg === '') throw new ConfigSyntaxError(`${where}: missing argument.`);
  const key = Object.keys(table).find((k) => k === arg.toLowerCase());
  if (key === undefined) throw new ConfigSyntaxError(`${where}: unsupported option "${arg}".`);
  return table[key as keyof T];
}

/** OpenSSH's convtime(): `90`, `5m`, `1h30m`; -1 when malformed. */
export function convtime(s: string): number {
  if (!s) return -1;
  const units: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let total = 0;
  const re = /(\d+)([smhdw]?)/giy;
  let at = 0;
  while (at < s.length) {
    re.lastIndex = at;
    const m = re.exec(s);
    if (!m) return -1;
    total += Number(m[1]) * units[m[2]!.toLowerCase()]!;
    if (total > 0x7fffffff) return -1;
    at = re.lastIndex;
  }
  return total;
}

/** strtonum(s, 0, INT_MAX): the error word OpenSSH prints, or the number. */
export function atoi(s: string | undefined): number | 'missing' | 'invalid' | 'too large' {
  if (s === undefined || s === '') return 'missing';
  if (!/^[+-]?\d+$/.test(s.trim())) return 'invalid';
  const n = Number(s);
  if (n < 0) return 'invalid';
  return n > 0x7fffffff ? 'too large' : n;
}

/** a2port(): 0-65535, or a tcp service name from /etc/services (getservbyname); -1 otherwise. */
export function a2port(s: string): number {
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    return n <= 65535 ? n : -1;
  }
  return tcpServices().get(s) ?? -1;
}

let services: Map<string, number> | undefined;
function tcpServices(): Map<string, number> {
  if (services) return services;
  services = new Map();
  let text = '';
  try {
    text = readFileSync('/etc/services', 'utf8');
  } catch {
    // no services database: names are not ports
  }
  for (const line of text.split('\n')) {
    const [name, portProto, ...aliases] = line.replace(/#.*/, '').trim().split(/\s+/);
    const m = /^(\d+)\/tcp$/.exec(portProto ?? '');
    if (!name || !m) continue;
    for (const n of [name, ...aliases]) if (!services.has(n)) services.set(n, Number(m[1]));
  }
  return services;
}

export interface JumpHop {
  user?: string;
  host: string;
  port?: number;
}

/** One ProxyJump / -J element: `[user@]host[:port]` or `ssh://[user@]host[:port]`; null when malformed. */
export function parseHop(spec: string): JumpHop | null {
  let s = spec;
  const uri = /^ssh:\/\//i.test(s);
  if (uri) s = s.slice(6).replace(/\/$/, '');
  let user: string | undefined;
  const at = s.lastIndexOf('@');
  if (at >= 0) {
    if (at === 0) return null;
    user = s.slice(0, at);
    s = s.slice(at + 1);
  }
  let host: string;
  let rest: string | undefined;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) return null;
    host = s.slice(1, close);
    rest = s.slice(close + 1);
    if (rest && !rest.startsWith(':')) return null;
    rest = rest ? rest.slice(1) : undefined;
  } else {
    const colon = s.search(/[:/]/);
    host = colon < 0 ? s : s.slice(0, colon);
    rest = colon < 0 ? undefined : s.slice(colon + 1);
  }
  if (!host || (uri && /[/@]/.test(host))) return null;
  let port: number | undefined;
  if (rest !== undefined && rest !== '') {
    port = a2port(rest);
    if (port <= 0) return null;
  }
  return { ...(user ? { user } : {}), host, ...(port ? { port } : {}) };
}

export type AlgorithmFamily = Family;
const known = new Map<AlgorithmFamily, Set<string>>();

/** An algorithm list as ssh checks it: `-` lists are not checked; checking stops at an empty name, as strsep() loops do. */
export function algorithmsValid(family: AlgorithmFamily, value: string): boolean {
  if (value.startsWith('-')) return true;
  let set = known.get(family);
  if (!set) known.set(family, (set = new Set(OPENSSH_ALL[family])));
  const names = /^[+^]/.test(value) ? value.slice(1) : value;
  if (!names) return false;
  for (const n of names.split(',')) {
    if (n === '') break;
    if (set.has(n) || (family === 'key' && KEY_SHORT_NAMES.includes(n.toUpperCase()))) continue;
    // A key list may hold patterns: accepted when they match (or exclude) some key type.
    if (family === 'key' && [...set].some((k) => matchPatternList(k, n, false) !== 0)) continue;
    return false;
  }
  return true;
}

const KEY_SHORT_NAMES = ['RSA', 'DSA', 'ECDSA', 'ED25519', 'ECDSA-SK', 'ED25519-SK'];

/**
 * ssh_valid_hostname() of Debian's 9.2 (CVE-2023-51385, upstream 0a0ef4515): names given to
 * ssh are refused when they hold shell syntax, spaces, control characters or a comma, or
 * start with `-`, before any config is read: %h and %n go unquoted into Match exec and
 * ProxyCommand, and a name is written into known_hosts.
 */
export function validHostname(s: string): boolean {
  return !s.startsWith('-') && !/['`"$\\;&<>|(){},\s\x00-\x1f\x7f]/.test(s);
}

/** ssh_valid_ruser(): no shell syntax, no control characters, no ` -` (an option), no trailing backslash. */
export function validUser(s: string): boolean {
  return !s.startsWith('-') && !/['`";&<>|(){}\x00-\x1f\x7f]/.test(s) && !/\s-/.test(s) && !s.endsWith('\\');
}
