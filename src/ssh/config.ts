// ~/.ssh/config (or -F) resolved per host with the `ssh-config` package: what
// OpenSSH would use for HostName, User, Port, IdentityFile, ProxyJump, ... .
// The file is read once per pool; Include is followed (config-include.ts), ProxyCommand
// runs in proxy-command.ts; `Match exec` is not evaluated.
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { homedir, userInfo, hostname as localHostname } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { CONFIG_NAMES, type AlgorithmKind, type AlgorithmSpecs } from './algorithms.js';
import { expandIncludes, type ConfigLine } from './config-include.js';
import { expandTokens, sshPath } from './ssh-syntax.js';

export type StrictHostKeyChecking = 'yes' | 'no' | 'accept-new' | 'ask';

export interface HostSettings {
  /** The name looked up in the config (what the user typed). */
  alias: string;
  hostname: string;
  port: number;
  user: string;
  identityFiles: string[];
  /** True when IdentityFile came from the config or -i (not OpenSSH's defaults). */
  explicitIdentities: boolean;
  identitiesOnly: boolean;
  /** undefined: use SSH_AUTH_SOCK; null: IdentityAgent none. */
  identityAgent?: string | null;
  /** Jump hosts, first hop first; [] = direct; undefined = not set. */
  proxyJump?: string[];
  /** ProxyCommand as written (tokens not expanded); ProxyJump wins when both are set. */
  proxyCommand?: string;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  strictHostKeyChecking?: StrictHostKeyChecking;
  userKnownHostsFiles?: string[];
  globalKnownHostsFiles: string[];
  connectTimeoutMs?: number;
  hashKnownHosts: boolean;
  batchMode: boolean;
  passwordAuthentication: boolean;
  /** KexAlgorithms, HostKeyAlgorithms, Ciphers, MACs as written. */
  algorithms: AlgorithmSpecs;
  /** HostKeyAlias: the name looked up in known_hosts (and a host certificate's principal) instead of the host name. */
  hostKeyAlias?: string;
  /** CertificateFile entries (expanded); `<identity>-cert.pub` files are found by auth beside each key. */
  certificateFiles: string[];
  /** ForwardAgent: false, true (the agent dpl authenticates with), or an explicit socket path. */
  forwardAgent: boolean | string;
}

export interface SettingsDefaults {
  user?: string;
  port?: number;
  identityFiles?: string[];
}

type Computed = Record<string, string | string[]>;
interface ParsedConfig {
  compute(host: string, options?: { ignoreCase?: boolean; matchExec?: boolean }): Computed;
}
type Line = ConfigLine;
type SshConfigArray = Line[] & ParsedConfig;

/**
 * ssh-config's compute() compiles a dozen regexes per Host pattern per call (0.6 ms
 * per host with 50 aliases: 30 ms before the first connect of a 50-host run). Each
 * Host line is compiled once here (literal names in a Set, wildcards as regexes);
 * sections that cannot match are dropped and the lines of those that do are inlined
 * in order, so ssh-config computes with no Host line left to glob. Same result
 * unless CanonicalizeHostName renames the host.
 */
function fastCompute(config: SshConfigArray): ParsedConfig {
  const canonicalizes = config.some(function uses(l: Line): boolean {
    return /^canonicalizehostname$/i.test(l.param ?? '') || (l.config ?? []).some((c) => uses(c as Line));
  });
  const isHost = (l: Line): boolean => !!l.param && /^host$/i.test(l.param);
  const toRegExp = (p: string): RegExp =>
    new RegExp('^(?:' + p.replace(/[\\()[\]{}.+^$|]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.?') + ')$');
  const compile = (line: Line): ((alias: string) => boolean) => {
    const pats = Array.isArray(line.value) ? line.value.map((v) => v.val) : String(line.value ?? '').split(',');
    const test = (list: string[]) => {
      const names = new Set(list.filter((p) => !/[*?]/.test(p)));
      const wild = list.filter((p) => /[*?]/.test(p)).map(toRegExp);
      return (alias: string): boolean => names.has(alias) || wild.some((r) => r.test(alias));
    };
    const yes = test(pats.filter((p) => !p.startsWith('!')));
    const no = test(pats.filter((p) => p.startsWith('!')).map((p) => p.slice(1)));
    return (alias) => !no(alias) && yes(alias);
  };
  const hostTests = new Map(config.filter(isHost).map((l) => [l, compile(l)] as const));
  return {
    compute(alias, options) {
      if (canonicalizes) return config.compute(alias, options);
      const reduced = config.flatMap((l) => (!isHost(l) ? [l] : hostTests.get(l)!(alias) ? ((l.config ?? []) as Line[]) : [])) as SshConfigArray;
      return reduced.compute(alias, options);
    },
  };
}

/** Load and parse an ssh config file; a missing file is an empty config. */
export async function loadSshConfig(path: string): Promise<ParsedConfig | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UsageError(`cannot read ssh config ${path}: ${(err as Error).message}`);
  }
  const { default: SSHConfig } = await import('ssh-config');
  const parse = (source: string, file: string): SshConfigArray => {
    try {
      return SSHConfig.parse(source) as unknown as SshConfigArray;
    } catch (err) {
      throw new UsageError(`cannot parse ssh config ${file}: ${(err as Error).message}`, {
        hint: 'fix the file or point dpl at another one with -F',
      });
    }
  };
  const top = parse(text, path);
  const lines = await expandIncludes(top, (t) => parse(t, path));
  // concat() on ssh-config's array keeps its type (and compute()) around the spliced lines.
  return fastCompute(lines === top ? top : (parse('', path).concat(lines) as SshConfigArray));
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function list(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(/\s+/)).filter(Boolean);
}

function yes(v: string | string[] | undefined): boolean | undefined {
  const s = first(v)?.toLowerCase();
  if (s === undefined) return undefined;
  return s === 'yes' || s === 'true';
}

/** Expand ~ and the % tokens OpenSSH allows in file names. */
export function expandPath(p: string, t: { hostname: string; user: string; port: number; alias: string }): string {
  return sshPath(
    expandTokens(p, {
      d: homedir,
      h: () => t.hostname,
      l: localHostname,
      n: () => t.alias,
      p: () => String(t.port),
      r: () => t.user,
      u: () => userInfo().username,
    }),
  );
}

const DEFAULT_IDENTITIES = ['id_rsa', 'id_ecdsa', 'id_ed25519'];

/** What to connect to for `alias`: Host fields win, then the config, then pool defaults. */
export function resolveSettings(
  config: ParsedConfig | null,
  alias: string,
  given: { user?: string; port?: number },
  defaults: SettingsDefaults,
): HostSettings {
  const c: Computed = config ? config.compute(alias, { ignoreCase: true, matchExec: false }) : {};
  const rawHost = first(c['hostname']);
  const hostname = rawHost ? rawHost.replace(/%h/g, alias) : alias;
  const port = given.port ?? (first(c['port']) ? Number(first(c['port'])) : undefined) ?? defaults.port ?? 22;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`invalid Port for ${alias} in ssh config: ${first(c['port'])}`);
  }
  const user = given.user ?? first(c['user']) ?? defaults.user ?? userInfo().username;
  const tokens = { hostname, user, port, alias };
  const configured = [...(defaults.identityFiles ?? []), ...list(c['identityfile'])].map((p) => expandPath(p, tokens));
  const identityFiles = configured.length
    ? [...new Set(configured)]
    : DEFAULT_IDENTITIES.map((n) => join(homedir(), '.ssh', n)).filter((p) => existsSync(p));
  const agent = first(c['identityagent']);
  const jump = first(c['proxyjump']);
  const proxyCommand = first(c['proxycommand']);
  const alive = first(c['serveraliveinterval']);
  const aliveMax = first(c['serveralivecountmax']);
  const strict = first(c['stricthostkeychecking'])?.toLowerCase();
  const timeout = first(c['connecttimeout']);
  const userKnown = list(c['userknownhostsfile']);
  const globalKnown = list(c['globalknownhostsfile']);
  return {
    alias,
    hostname,
    port,
    user,
    identityFiles,
    explicitIdentities: configured.length > 0,
    identitiesOnly: yes(c['identitiesonly']) ?? false,
    identityAgent:
      agent === undefined ? undefined : agent.toLowerCase() === 'none' ? null : agent === 'SSH_AUTH_SOCK' ? undefined : expandPath(agent.replace(/^\$/, ''), tokens),
    proxyJump: jump === undefined ? undefined : jump.toLowerCase() === 'none' ? [] : jump.split(',').map((s) => s.trim()).filter(Boolean),
    ...(proxyCommand && proxyCommand.toLowerCase() !== 'none' ? { proxyCommand } : {}),
    keepaliveIntervalMs: alive !== undefined && Number(alive) > 0 ? Number(alive) * 1000 : undefined,
    keepaliveCountMax: aliveMax !== undefined ? Number(aliveMax) : undefined,
    strictHostKeyChecking:
      strict === undefined ? undefined : strict === 'yes' || strict === 'true' ? 'yes' : strict === 'no' || strict === 'off' || strict === 'false' ? 'no' : strict === 'accept-new' ? 'accept-new' : 'ask',
    userKnownHostsFiles: userKnown.length ? userKnown.filter((f) => f.toLowerCase() !== 'none').map((p) => expandPath(p, tokens)) : undefined,
    globalKnownHostsFiles: globalKnown.length
      ? globalKnown.map((p) => expandPath(p, tokens))
      : ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'],
    connectTimeoutMs: timeout !== undefined && Number(timeout) > 0 ? Number(timeout) * 1000 : undefined,
    hashKnownHosts: yes(c['hashknownhosts']) ?? false,
    batchMode: yes(c['batchmode']) ?? false,
    passwordAuthentication: yes(c['passwordauthentication']) ?? true,
    ...(first(c['hostkeyalias']) ? { hostKeyAlias: first(c['hostkeyalias'])!.toLowerCase() } : {}),
    certificateFiles: list(c['certificatefile']).map((p) => expandPath(p, tokens)),
    forwardAgent: ((v) => (v === undefined || /^(no|false)$/i.test(v) ? false : /^(yes|true)$/i.test(v) ? true : expandPath(v.replace(/^\$/, ''), tokens)))(first(c['forwardagent'])),
    algorithms: Object.fromEntries(
      (Object.keys(CONFIG_NAMES) as AlgorithmKind[]).flatMap((k) => {
        const v = first(c[CONFIG_NAMES[k].toLowerCase()]);
        return v === undefined ? [] : [[k, v]];
      }),
    ),
  };
}
