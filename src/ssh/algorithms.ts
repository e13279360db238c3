// The algorithms dpl offers: OpenSSH 9.2's defaults and names (openssh-lists.ts)
// that ssh2 can do, in ssh's order, changed by KexAlgorithms / HostKeyAlgorithms /
// Ciphers / MACs with their +, - and ^ forms as kex_assemble_names() does.
//
// Key exchange prefers ecdh-sha2-nistp256 over curve25519. Debian's and Ubuntu's
// sshd compute curve25519 with OpenSSH's portable reference C code (~3.7 ms of
// server CPU per login, measured with perf on OpenSSH 9.2) while P-256 goes to
// OpenSSL (~0.1 ms); the server's whole cost of a login is ~20 ms. Both give
// 128-bit security and both are in OpenSSH's default list. Set KexAlgorithms in
// ssh config (e.g. `KexAlgorithms ^curve25519-sha256`) to prefer curve25519.
//
// Host keys follow OpenSSH 9.2: certificate algorithms first (dpl verifies them
// itself, see certificate.ts and ssh2-patches.ts), and no ssh-rsa (SHA-1) unless
// HostKeyAlgorithms adds it back (`+ssh-rsa`).
import type { Algorithms } from 'ssh2';
import { CERT_SUFFIX, CERTIFIED_KEY_TYPES } from './certificate.js';
import { matchPattern } from './config/patterns.js';
import { OPENSSH_ALL, OPENSSH_DEFAULTS, type Family } from './openssh-lists.js';
import { requireSsh2 } from './ssh2-patches.js';

export type AlgorithmKind = 'kex' | 'serverHostKey' | 'cipher' | 'hmac';

/** Per kind: the default list and every name that can be named, both in OpenSSH's order and limited to what ssh2 can do. */
export type Catalog = Record<AlgorithmKind, { defaults: string[]; supported: string[] }>;

/** Raw ssh config values per kind (KexAlgorithms, HostKeyAlgorithms, Ciphers, MACs). */
export type AlgorithmSpecs = Partial<Record<AlgorithmKind, string>>;

/** The ssh config keyword per kind. */
export const CONFIG_NAMES: Record<AlgorithmKind, string> = {
  kex: 'KexAlgorithms',
  serverHostKey: 'HostKeyAlgorithms',
  cipher: 'Ciphers',
  hmac: 'MACs',
};

const PREFERRED_KEX = 'ecdh-sha2-nistp256';

export const isCertificateAlgorithm = (alg: string): boolean => alg.endsWith(CERT_SUFFIX);

/** The known_hosts key type a host key algorithm's key has (rsa-sha2-512-cert-v01@openssh.com → ssh-rsa). */
export function keyTypeOfAlgorithm(alg: string): string {
  const plain = isCertificateAlgorithm(alg) ? alg.slice(0, -CERT_SUFFIX.length) : alg;
  return plain.startsWith('rsa-sha2-') ? 'ssh-rsa' : plain;
}

let catalog: Promise<Catalog> | undefined;

const FAMILY: Record<AlgorithmKind, Family> = { kex: 'kex', serverHostKey: 'key', cipher: 'cipher', hmac: 'mac' };

/** OpenSSH's lists cut to what this ssh2 (this Node's OpenSSL, the certificate support) can do, read once. */
export function loadCatalog(): Promise<Catalog> {
  catalog ??= Promise.resolve().then(() => buildCatalog(requireSsh2('ssh2/lib/protocol/constants.js') as Record<string, string[]>));
  return catalog;
}

/** The catalog from ssh2's constants module (its SUPPORTED_* lists). */
export function buildCatalog(c: Record<string, string[]>): Catalog {
  const hostKeys = c['SUPPORTED_SERVER_HOST_KEY']!;
  // A certificate algorithm works when ssh2 can check its signature (the plain algorithm) and dpl can read the certificate.
  const certs = OPENSSH_ALL.key.filter((a) => isCertificateAlgorithm(a) && hostKeys.includes(a.slice(0, -CERT_SUFFIX.length)) && CERTIFIED_KEY_TYPES.has(keyTypeOfAlgorithm(a)));
  const can: Record<AlgorithmKind, Set<string>> = {
    kex: new Set(c['SUPPORTED_KEX']),
    serverHostKey: new Set([...hostKeys, ...certs]),
    cipher: new Set(c['SUPPORTED_CIPHER']),
    hmac: new Set(c['SUPPORTED_MAC']),
  };
  const out = {} as Catalog;
  for (const kind of Object.keys(FAMILY) as AlgorithmKind[]) {
    const f = FAMILY[kind];
    out[kind] = { defaults: OPENSSH_DEFAULTS[f].filter((a) => can[kind].has(a)), supported: OPENSSH_ALL[f].filter((a) => can[kind].has(a)) };
  }
  const kex = out.kex.defaults;
  if (kex.includes(PREFERRED_KEX)) out.kex.defaults = [PREFERRED_KEX, ...kex.filter((a) => a !== PREFERRED_KEX)];
  return out;
}

/**
 * Apply one OpenSSH list value to `defaults`, as ssh(1) does: `a,b` replaces,
 * `+a,b` appends, `-a,b` removes, `^a,b` puts first. Names this ssh2 does not
 * support are dropped (an OpenSSH-only algorithm in a shared config is not an error).
 */
export function applySpec(spec: string | undefined, defaults: string[], supported: string[]): string[] {
  const value = spec?.trim();
  if (!value) return defaults;
  const op = '+-^'.includes(value[0]!) ? value[0]! : '';
  const patterns = (op ? value.slice(1) : value).split(',').map((s) => s.trim()).filter(Boolean).map((p) => (name: string) => matchPattern(name, p));
  const picked = (from: string[]): string[] => patterns.flatMap((m) => from.filter(m)).filter((a, i, all) => all.indexOf(a) === i);
  switch (op) {
    case '+':
      return [...defaults, ...picked(supported).filter((a) => !defaults.includes(a))];
    case '-':
      return defaults.filter((a) => !patterns.some((m) => m(a)));
    case '^': {
      const head = picked(supported);
      return [...head, ...defaults.filter((a) => !head.includes(a))];
    }
    default:
      return picked(supported);
  }
}

/** What known_hosts holds for a host's name: plain key types, and whether a @cert-authority line matches it. */
export interface KnownHostKeys {
  types: string[];
  certAuthority: boolean;
}

/**
 * OpenSSH's order_hostkeyalgs (sshconnect2.c): when the first algorithm's key
 * type is known, the list as it is; otherwise the algorithms for known key
 * types (and every certificate algorithm when a @cert-authority line matches)
 * first, in list order. Only when HostKeyAlgorithms is unset or uses + or -.
 */
export function orderHostKeyAlgorithms(list: string[], known: KnownHostKeys): string[] {
  if (!list.length || known.types.includes(keyTypeOfAlgorithm(list[0]!))) return list;
  const first = list.filter((a) => (isCertificateAlgorithm(a) && known.certAuthority) || known.types.includes(keyTypeOfAlgorithm(a)));
  return [...first, ...list.filter((a) => !first.includes(a))];
}

/** The ssh2 `algorithms` option for one host, host keys ordered by what known_hosts holds for it. */
export function algorithmsFor(specs: AlgorithmSpecs, known: KnownHostKeys, c: Catalog): { algorithms: Algorithms; empty: AlgorithmKind[] } {
  const lists = {} as Record<AlgorithmKind, string[]>;
  for (const kind of Object.keys(c) as AlgorithmKind[]) lists[kind] = applySpec(specs[kind], c[kind].defaults, c[kind].supported);
  const spec = specs.serverHostKey?.trim();
  if (!spec || spec.startsWith('+') || spec.startsWith('-')) lists.serverHostKey = orderHostKeyAlgorithms(lists.serverHostKey, known);
  const empty = (Object.keys(lists) as AlgorithmKind[]).filter((k) => lists[k].length === 0);
  return { algorithms: lists as unknown as Algorithms, empty };
}
