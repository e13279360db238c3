// ssh_config for dpl: which files are read (as ssh reads them: -F alone, or the
// user's ~/.ssh/config then /etc/ssh/ssh_config), and the HostSettings a
// connection uses, from OpenSSH's resolution in ./config/ (see docs/ssh.md).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import type { AlgorithmSpecs } from './algorithms.js';
import { passwdHome } from './config/expand.js';
import { loadConfigFile, type Directive } from './config/load.js';
import type { FileEntry, StrictHostKeyChecking } from './config/options.js';
import { at, expandPath, resolveDestination, type CommandLine, type Destination, type Resolved } from './config/resolve.js';

export type { StrictHostKeyChecking, CommandLine, Destination, Resolved };

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
  /** undefined: use SSH_AUTH_SOCK; null: IdentityAgent none (or an unset $VAR). */
  identityAgent?: string | null;
  /** Jump hosts, first hop first; undefined = not set. */
  proxyJump?: string[];
  /** ProxyCommand as written (tokens not expanded). */
  proxyCommand?: string;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  strictHostKeyChecking?: StrictHostKeyChecking;
  /** UserKnownHostsFile, expanded ([] for `none`); the first is where accept-new writes. */
  userKnownHostsFiles: string[];
  globalKnownHostsFiles: string[];
  connectTimeoutMs?: number;
  hashKnownHosts: boolean;
  batchMode: boolean;
  passwordAuthentication: boolean;
  /** KbdInteractiveAuthentication: answer keyboard-interactive prompts at all. */
  kbdInteractiveAuthentication: boolean;
  /** KexAlgorithms, HostKeyAlgorithms, Ciphers, MACs as written. */
  algorithms: AlgorithmSpecs;
  /** RequiredRSASize: RSA host keys with fewer bits are refused (OpenSSH's default 1024). */
  requiredRsaSize: number;
  /** CASignatureAlgorithms as written. */
  caSignatureAlgorithms?: string;
  /** HostKeyAlias (lower-cased): the name looked up in known_hosts (and a host certificate's principal) instead of the host name. */
  hostKeyAlias?: string;
  /** CertificateFile entries (expanded); `<identity>-cert.pub` files are found by auth beside each key. */
  certificateFiles: string[];
  /** ForwardAgent: false, true (the agent dpl authenticates with), or an explicit socket path. */
  forwardAgent: boolean | string;
  /** What ssh would warn about and go on (an -i file that is not there). */
  /** -i files that do not exist (ssh warns and goes on). */
  missingIdentityFiles: string[];
}

/**
 * The config files in the order ssh reads them. `-F file` alone (an error if it
 * cannot be read, as in ssh; `-F none` reads nothing), otherwise ~/.ssh/config
 * (refused if others may write it) then the system-wide /etc/ssh/ssh_config.
 */
export async function loadSshConfig(configFile: string | undefined): Promise<Directive[][]> {
  if (configFile !== undefined) {
    if (configFile.toLowerCase() === 'none') return [];
    const d = await loadConfigFile(configFile, { user: true, checkPerm: false });
    if (!d) throw new UsageError(`cannot open ssh config ${configFile}: no such file`, { code: 'ssh-config.invalid', hint: 'check the path given with -F (or F none for no config)' });
    return [d];
  }
  const user = await loadConfigFile(join(passwdHome(), '.ssh', 'config'), { user: true, checkPerm: true });
  const system = await loadConfigFile('/etc/ssh/ssh_config', { user: false, checkPerm: false });
  return [user ?? [], system ?? []];
}

export async function resolveSettings(files: Directive[][], dest: Destination, cli: CommandLine = {}): Promise<HostSettings> {
  return toSettings(await resolveDestination(files, dest, cli));
}

export function toSettings(r: Resolved): HostSettings {
  const o = r.options;
  const expand = (p: string, what: string): string => expandPath(p, r.tokens, what);
  const usedDefaults = r.defaultIdentities;
  const keyword = (f: FileEntry, name: string): string => (f.where ? `${f.where}: ${name}` : name);
  const identityFiles = [...new Set(o.identityFiles.map((f) => expand(f.path, keyword(f, 'IdentityFile'))))];
  const agentPath = (v: string, what: string): string | null => (v.startsWith('$') && !v.startsWith('${') ? (process.env[v.slice(1)] ?? null) : expand(v, at(o, what === 'IdentityAgent' ? 'identityAgent' : 'forwardAgentPath', what)));
  const agent = o.identityAgent;
  const jumpHop = o.jumpHost === undefined ? undefined : `${o.jumpUser ? `${o.jumpUser}@` : ''}${o.jumpHost.includes(':') ? `[${o.jumpHost}]` : o.jumpHost}${o.jumpPort ? `:${o.jumpPort}` : ''}`;
  const algorithms: AlgorithmSpecs = {};
  if (o.kexAlgorithms !== undefined) algorithms.kex = o.kexAlgorithms;
  if (o.hostKeyAlgorithms !== undefined) algorithms.serverHostKey = o.hostKeyAlgorithms;
  if (o.ciphers !== undefined) algorithms.cipher = o.ciphers;
  if (o.macs !== undefined) algorithms.hmac = o.macs;
  return {
    alias: r.alias,
    hostname: r.host,
    port: r.port,
    user: r.user,
    identityFiles: usedDefaults ? identityFiles.filter((f) => existsSync(f)) : identityFiles,
    explicitIdentities: !usedDefaults,
    identitiesOnly: o.identitiesOnly ?? false,
    identityAgent: agent === undefined || agent === 'SSH_AUTH_SOCK' ? undefined : agent.toLowerCase() === 'none' ? null : agentPath(agent, 'IdentityAgent'),
    proxyJump: jumpHop === undefined ? undefined : [...(o.jumpExtra ? o.jumpExtra.split(',') : []), jumpHop],
    ...(o.proxyCommand !== undefined && o.jumpHost === undefined ? { proxyCommand: o.proxyCommand } : {}),
    keepaliveIntervalMs: o.serverAliveInterval !== undefined && o.serverAliveInterval > 0 ? o.serverAliveInterval * 1000 : undefined,
    keepaliveCountMax: o.serverAliveCountMax,
    strictHostKeyChecking: o.strictHostKeyChecking,
    userKnownHostsFiles: o.userKnownHostsFiles!,
    globalKnownHostsFiles: o.globalKnownHostsFiles!,
    connectTimeoutMs: o.connectTimeout !== undefined && o.connectTimeout > 0 ? o.connectTimeout * 1000 : undefined,
    hashKnownHosts: o.hashKnownHosts ?? false,
    batchMode: o.batchMode ?? false,
    passwordAuthentication: o.passwordAuthentication ?? true,
    kbdInteractiveAuthentication: o.kbdInteractiveAuthentication ?? true,
    algorithms,
    requiredRsaSize: o.requiredRsaSize ?? 1024,
    ...(o.caSignatureAlgorithms !== undefined ? { caSignatureAlgorithms: o.caSignatureAlgorithms } : {}),
    ...(o.hostKeyAlias !== undefined ? { hostKeyAlias: o.hostKeyAlias } : {}),
    certificateFiles: [...new Set(o.certificateFiles.map((f) => expand(f.path, keyword(f, 'CertificateFile'))))],
    missingIdentityFiles: r.missingIdentityFiles,
    forwardAgent: !o.forwardAgent ? false : o.forwardAgentPath !== undefined ? (agentPath(o.forwardAgentPath, 'ForwardAgent') ?? false) : true,
  };
}
