// The algorithms dpl offers: ssh2's lists, reordered and filtered by OpenSSH's
// KexAlgorithms / HostKeyAlgorithms / Ciphers / MACs (with their +, - and ^ forms).
//
// Key exchange prefers ecdh-sha2-nistp256 over curve25519. Debian's and Ubuntu's
// sshd compute curve25519 with OpenSSH's portable reference C code (~3.7 ms of
// server CPU per login, measured with perf on OpenSSH 9.2) while P-256 goes to
// OpenSSL (~0.1 ms); the server's whole cost of a login is ~20 ms. Both give
// 128-bit security and both are in OpenSSH's default list. Set KexAlgorithms in
// ssh config (e.g. `KexAlgorithms ^curve25519-sha256`) to prefer curve25519.
import type { Algorithms } from 'ssh2';
import { globRegExp } from './ssh-syntax.js';
import { requireSsh2 } from './ssh2-patches.js';

export type AlgorithmKind = 'kex' | 'serverHostKey' | 'cipher' | 'hmac';

/** ssh2's own default and supported lists per kind. */
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

let catalog: Promise<Catalog> | undefined;

/** ssh2's lists (they depend on what this Node's OpenSSL and CPU offer), read once. */
export function loadCatalog(): Promise<Catalog> {
  catalog ??= Promise.resolve().then(() => {
    const c = requireSsh2('ssh2/lib/protocol/constants.js') as Record<string, string[]>;
    const pair = (name: string) => ({ defaults: [...c[`DEFAULT_${name}`]!], supported: [...c[`SUPPORTED_${name}`]!] });
    const kex = pair('KEX');
    if (kex.defaults.includes(PREFERRED_KEX)) kex.defaults = [PREFERRED_KEX, ...kex.defaults.filter((a) => a !== PREFERRED_KEX)];
    return { kex, serverHostKey: pair('SERVER_HOST_KEY'), cipher: pair('CIPHER'), hmac: pair('MAC') };
  });
  return catalog;
}

/** An OpenSSH algorithm pattern (`*` and `?` wildcards) as a test. */
function matcher(pattern: string): (name: string) => boolean {
  if (!/[*?]/.test(pattern)) return (name) => name === pattern;
  const re = globRegExp(pattern);
  return (name) => re.test(name);
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
  const patterns = (op ? value.slice(1) : value).split(',').map((s) => s.trim()).filter(Boolean).map(matcher);
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

/**
 * The ssh2 `algorithms` option for one host. `preferredHostKeys` (the algorithms
 * for key types known_hosts already holds for it) go first, as OpenSSH orders them,
 * so a known key is what gets checked.
 */
export function algorithmsFor(specs: AlgorithmSpecs, preferredHostKeys: string[], c: Catalog): { algorithms: Algorithms; empty: AlgorithmKind[] } {
  const lists = {} as Record<AlgorithmKind, string[]>;
  for (const kind of Object.keys(c) as AlgorithmKind[]) lists[kind] = applySpec(specs[kind], c[kind].defaults, c[kind].supported);
  const known = preferredHostKeys.filter((a) => lists.serverHostKey.includes(a));
  lists.serverHostKey = [...known, ...lists.serverHostKey.filter((a) => !known.includes(a))];
  const empty = (Object.keys(lists) as AlgorithmKind[]).filter((k) => lists[k].length === 0);
  return { algorithms: lists as unknown as Algorithms, empty };
}
