// `ssh -G` as the reference for dpl's ssh_config evaluation: run it, read its `key value`
// lines, and compare them with what dpl prints, normalising only what cannot be the same.
import { spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import type { PreparedCase } from './config-case.js';

/** Compared for every case, on top of the keys the case names. */
export const BASE_KEYS = [
  'hostname',
  'user',
  'port',
  'identityfile',
  'proxycommand',
  'proxyjump',
  'userknownhostsfile',
  'globalknownhostsfile',
  'stricthostkeychecking',
  'hostkeyalias',
] as const;

/** ssh -G algorithm keys and the name of ssh2's list in ssh2/lib/protocol/constants.js. */
export const ALGORITHM_KEYS: Record<string, 'KEX' | 'SERVER_HOST_KEY' | 'CIPHER' | 'MAC'> = {
  kexalgorithms: 'KEX',
  hostkeyalgorithms: 'SERVER_HOST_KEY',
  ciphers: 'CIPHER',
  macs: 'MAC',
};

/**
 * The one allowed difference: dpl puts ecdh-sha2-nistp256 before curve25519 in its default
 * key exchange list (P-256 costs the server ~0.1 ms through OpenSSL, curve25519 ~3.7 ms with
 * OpenSSH's portable C code; docs/ssh.md "Algorithms"). It applies only where the list is
 * built from the defaults, i.e. no KexAlgorithms replaces the whole list.
 */
export const PREFERRED_KEX = 'ecdh-sha2-nistp256';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `key -> values` in ssh -G order; keys that repeat (identityfile, certificatefile) keep every line. */
export type Dump = Map<string, string[]>;

/** True when commands can run in a network namespace of their own (`unshare -n`, root). */
export function canIsolate(): boolean {
  const r = spawnSync('unshare', ['-n', 'true'], { stdio: 'ignore' });
  return r.status === 0;
}

/** Run a command, inside its own empty network namespace when `isolate` (nothing it resolves can leave the machine). */
export function runIsolated(cmd: string, args: string[], opts: { cwd: string; env: Record<string, string>; isolate: boolean }): Run {
  const [c, a] = opts.isolate ? ['unshare', ['-n', cmd, ...args]] : [cmd, args];
  const r = spawnSync(c, a, {
    cwd: opts.cwd,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    input: '',
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `ssh -G -F <config> [flags] <dest>`. */
export function runSshG(p: PreparedCase, isolate: boolean): Run {
  return runIsolated('ssh', ['-G', '-F', p.configFile, ...p.sshArgs, p.dest], { cwd: p.dir, env: p.env, isolate });
}

export function parseDump(stdout: string): Dump {
  const dump: Dump = new Map();
  for (const line of stdout.split('\n')) {
    if (!line) continue;
    const sp = line.indexOf(' ');
    const key = (sp < 0 ? line : line.slice(0, sp)).toLowerCase();
    const value = sp < 0 ? '' : line.slice(sp + 1);
    dump.set(key, [...(dump.get(key) ?? []), value]);
  }
  return dump;
}

/** `~` and `~/x` words as the home directory: ssh -G prints IdentityFile as written, dpl may expand it. */
export function normaliseValue(value: string, home = homedir()): string {
  return value
    .split(' ')
    .map((w) => (w === '~' ? home : w.startsWith('~/') ? home + w.slice(1) : w))
    .join(' ');
}

/** The values of `key` in a dump, normalised; undefined when the key is absent. */
export function valuesOf(dump: Dump, key: string): string[] | undefined {
  return dump.get(key)?.map((v) => normaliseValue(v));
}

/** ssh's list, keeping only what dpl can do, in ssh's order. */
export function filterAlgorithms(list: string, supported: ReadonlySet<string>): string[] {
  return list.split(',').filter((a) => supported.has(a));
}

/** `actual` is `expected` with only PREFERRED_KEX moved nearer the front. */
export function isPreferredKexMove(expected: string[], actual: string[]): boolean {
  const ei = expected.indexOf(PREFERRED_KEX);
  const ai = actual.indexOf(PREFERRED_KEX);
  if (ei < 0 || ai < 0 || ai > ei) return false;
  const rest = (l: string[]) => l.filter((a) => a !== PREFERRED_KEX).join(',');
  return expected.length === actual.length && rest(expected) === rest(actual);
}

export interface CompareOptions {
  /** Per algorithm key, what dpl can do (ssh's list is filtered to these). */
  supported: Record<string, ReadonlySet<string>>;
  /** KexAlgorithms is built from the default list (no explicit replacement list in the case). */
  kexFromDefaults: boolean;
}

/** The differences between ssh -G and dpl for `keys`, one readable line each (empty: same). */
export function compareDumps(ssh: Dump, dpl: Dump, keys: readonly string[], o: CompareOptions): string[] {
  const diffs: string[] = [];
  const show = (v: string[] | undefined) => (v === undefined ? '(absent)' : v.map((x) => JSON.stringify(x)).join(' | '));
  for (const key of keys) {
    let want = valuesOf(ssh, key);
    const got = valuesOf(dpl, key);
    if (key in ALGORITHM_KEYS && want !== undefined) {
      const filtered = filterAlgorithms(want.join(','), o.supported[key] ?? new Set());
      const actual = got?.join(',').split(',') ?? [];
      if (key === 'kexalgorithms' && o.kexFromDefaults && isPreferredKexMove(filtered, actual)) continue;
      want = [filtered.join(',')];
    }
    if (show(want) !== show(got)) diffs.push(`${key}: ssh -G ${show(want)}  dpl ${show(got)}`);
  }
  return diffs;
}

/** Case files that replace the whole KexAlgorithms list (not +, - or ^): then dpl's order must be ssh's exactly. */
export function replacesKexList(texts: string[]): boolean {
  return texts.some((t) => /^\s*kexalgorithms(?:\s*=\s*|\s+)"?[^+\-^"\s]/im.test(t));
}

/** The check of a failing case on dpl's side: exit 2 and a message naming the file and line (or what it is about). */
export function failureProblems(r: Run, where: { file: string; line: number } | { mentions: string }): string[] {
  const problems: string[] = [];
  if (r.code !== 2) problems.push(`exit ${r.code}, want 2`);
  if ('mentions' in where) {
    if (!r.stderr.includes(where.mentions)) problems.push(`stderr does not mention ${where.mentions}`);
    return problems;
  }
  if (!r.stderr.includes(where.file)) problems.push(`stderr does not name ${where.file}`);
  if (!new RegExp(`(?:line |:)${where.line}\\b`).test(r.stderr)) problems.push(`stderr does not name line ${where.line}`);
  return problems;
}
