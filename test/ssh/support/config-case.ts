// One case of the ssh_config differential corpus (test/ssh/config-cases/) and how it is
// laid out on disk. Data only lives in the case modules; this file and ssh-g.ts hold the logic.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, rmdirSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir, hostname, userInfo } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { randomHex } from '../../../src/core/random.js';

/** The points of issue #14 the corpus must keep covering (each by several cases). */
export const ISSUE_POINTS = {
  'match-negation': '`Match !host` (negated criteria) ignored',
  'hostname-case': 'HostName (and the host) lowercased by ssh; Host patterns case-sensitive, Match host not',
  'hostname-token-match': '`%h` in HostName expanded before `Match host` sees it',
  'question-mark': '`?` matches exactly one character, never zero',
  'hostkeyalias': 'HostKeyAlias honoured (and lowercased)',
  'quoted-path': 'quoted arguments with spaces kept whole',
  'proxycommand-verbatim': 'ProxyCommand kept as written (not re-quoted or re-split)',
  'proxy-first-wins': '`ProxyCommand none` / ProxyJump / ProxyCommand: the first one obtained wins',
  'match-user': '`Match user` sees the user of `user@host` and -l',
  'final-pass': '`Match final`, `Match canonical`, CanonicalizeHostname re-parse',
  'known-hosts2': '~/.ssh/known_hosts2 (and ssh_known_hosts2) are default known_hosts files',
  'cli-wins': 'command-line -l/-p/-i/-o UserKnownHostsFile win over the config',
} as const;
export type IssuePoint = keyof typeof ISSUE_POINTS;

/** dpl's connection flags and the ssh(1) flags they stand for. */
export interface CaseFlags {
  /** dpl -u U = ssh -l U */
  user?: string;
  /** dpl -p P = ssh -p P */
  port?: number;
  /** dpl -i F = ssh -i F (each file is created empty if missing: ssh drops -i files that do not exist) */
  identity?: string[];
  /** dpl --known-hosts F = ssh -o UserKnownHostsFile=F */
  knownHosts?: string;
}

/**
 * What ssh -G must say for the case to still test its point (the pinned expectation): the
 * exact value (one line), every line of a repeated key, a RegExp over the lines joined by
 * newlines, or null when ssh -G prints no such key. `~` is normalised to the home directory.
 */
export type Pinned = Record<string, string | string[] | RegExp | null>;

export interface ConfigCase {
  name: string;
  /** Where it comes from: regress/<file>.sh, ssh_config(5) <section>, readconf.c, or `real-world: <style>`. */
  source: string;
  /**
   * The -F file. Placeholders (also in files, flags, env and pinned values): @DIR@ (the case's
   * temp dir, absolute), @HOME@ (home directory), @USER@ (local user), @LHOST@ (this machine's
   * host name), @UNIQ@ (a unique prefix for files this case puts under ~/.ssh for relative Includes).
   */
  config: string;
  /** More files: paths relative to @DIR@, or `~/.ssh/@UNIQ@...` (removed afterwards). */
  files?: Record<string, string>;
  /** `[user@]host` as typed. */
  dest: string;
  /** dpl's spelling of `dest` where it must differ: dpl reads `[user@]host[:port]`, so an IPv6 address is bracketed. */
  dplDest?: string;
  flags?: CaseFlags;
  /** Environment for both ssh and dpl (e.g. SSH_AUTH_SOCK). */
  env?: Record<string, string>;
  /** ssh -G keys the case is about (compared on top of BASE_KEYS and the pinned keys). */
  keys?: string[];
  /** Pinned ssh -G values (after ~ normalisation); null = ssh -G prints no such line. */
  expect?: Pinned;
  /**
   * ssh -G fails: its stderr must match `ssh`; dpl must exit 2 with a message naming `file`
   * ('main' or a `files` key) and `line` where the fault is in a line, or `mentions` otherwise.
   */
  fails?: { ssh: RegExp; file: string; line: number } | { ssh: RegExp; mentions: string };
  /** Issue #14 points this case holds. */
  points?: IssuePoint[];
  /** The host names this case needs in /etc/hosts (canonicalization); skipped where that cannot be done. */
  resolves?: string[];
  /** dpl refuses this on purpose: the reason. dpl must then exit 2 with an error. Keep these few. */
  refused?: string;
}

export interface PreparedCase {
  dir: string;
  configFile: string;
  /** Absolute path of each `files` key (and 'main' for the -F file). */
  paths: Record<string, string>;
  dest: string;
  dplDest: string;
  sshArgs: string[];
  dplArgs: string[];
  env: Record<string, string>;
  /** Replace the placeholders in an expected value. */
  fill(s: string): string;
  cleanup(): void;
}

/** Write a case's files into a fresh dir under `root`; ~/.ssh files get a unique prefix. */
export function prepareCase(c: ConfigCase, root: string): PreparedCase {
  const dir = mkdtempSync(join(root, 'case-'));
  const home = homedir();
  const uniq = `dpl-cfgdiff-${process.pid}-${randomHex(4)}`;
  const fill = (s: string) =>
    s.replaceAll('@DIR@', dir).replaceAll('@HOME@', home).replaceAll('@UNIQ@', uniq).replaceAll('@USER@', userInfo().username).replaceAll('@LHOST@', hostname());
  const sshDir = join(home, '.ssh');
  const madeSshDir = !existsSync(sshDir);
  const outside: string[] = [];
  const paths: Record<string, string> = {};
  const write = (name: string, text: string) => {
    const rel = fill(name);
    const path = rel.startsWith('~/') ? join(home, rel.slice(2)) : isAbsolute(rel) ? rel : join(dir, rel);
    if (!path.startsWith(dir + '/')) {
      if (!path.startsWith(sshDir + '/' + uniq)) throw new Error(`case "${c.name}": ${name} must live in the case dir or at ~/.ssh/@UNIQ@*`);
      outside.push(join(sshDir, path.slice(sshDir.length + 1).split('/')[0]!));
    }
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, fill(text));
    // ssh refuses included files that are group/world writable (SSHCONF_CHECKPERM).
    chmodSync(path, 0o644);
    paths[name] = path;
  };
  write('main', c.config);
  for (const [name, text] of Object.entries(c.files ?? {})) write(name, text);
  const f = c.flags ?? {};
  const identities = (f.identity ?? []).map((p) => {
    const path = fill(p);
    if (!existsSync(path)) writeFileSync(path, '');
    return path;
  });
  const sshArgs = [
    ...(f.user !== undefined ? ['-l', f.user] : []),
    ...(f.port !== undefined ? ['-p', String(f.port)] : []),
    ...identities.flatMap((p) => ['-i', p]),
    ...(f.knownHosts !== undefined ? ['-o', `UserKnownHostsFile=${fill(f.knownHosts)}`] : []),
  ];
  const dplArgs = [
    ...(f.user !== undefined ? ['-u', f.user] : []),
    ...(f.port !== undefined ? ['-p', String(f.port)] : []),
    ...identities.flatMap((p) => ['-i', p]),
    ...(f.knownHosts !== undefined ? ['--known-hosts', fill(f.knownHosts)] : []),
  ];
  return {
    dir,
    configFile: paths['main']!,
    paths,
    dest: c.dest,
    dplDest: c.dplDest ?? c.dest,
    sshArgs,
    dplArgs,
    env: Object.fromEntries(Object.entries(c.env ?? {}).map(([k, v]) => [k, fill(v)])),
    fill,
    cleanup() {
      for (const p of outside) rmSync(p, { recursive: true, force: true });
      if (madeSshDir && existsSync(sshDir) && readdirSync(sshDir).length === 0) rmdirSync(sshDir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
