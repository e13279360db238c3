// What ssh(1) 9.2 resolves for a destination, in ssh.c's order: the command line
// first (so -l/-p/-i/-o win: the first value obtained wins), then the config
// files, HostName with %h, host name canonicalisation, a final pass when asked
// for (`Match final`, CanonicalizeHostname), then the defaults and expansions.
import { lookup } from 'node:dns/promises';
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname as localHostname, userInfo } from 'node:os';
import { UsageError } from '../../core/errors.js';
import { connectionHash, runPass } from './evaluate.js';
import { dollarExpand, passwdHome, percentExpand, tildeExpand, type Tokens } from './expand.js';
import type { Directive } from './load.js';
import { addFile, emptyOptions, type SshOptions } from './options.js';
import { validHostname, validUser } from './values.js';

export interface Destination {
  /** The name given (an inventory host's hostname, or what -H named): what `Host` lines match. */
  alias: string;
  /** From the host string (`user@host:port`): wins over -u and -p, as in Fabric. */
  user?: string;
  port?: number;
}

export interface CommandLine {
  /** -u, -p, -i, --known-hosts: like ssh's -l, -p, -i and -o UserKnownHostsFile, they beat the config. */
  user?: string;
  port?: number;
  identityFiles?: string[];
  knownHostsFile?: string;
  /** The deployfile's defaults: below the ssh config, above OpenSSH's own defaults. */
  defaultUser?: string;
  defaultPort?: number;
}

export interface Resolved {
  alias: string;
  /** The final host name (HostName, %h, lower-cased, canonicalised). */
  host: string;
  user: string;
  port: number;
  options: SshOptions;
  /** %-tokens for IdentityFile, CertificateFile, UserKnownHostsFile, IdentityAgent (ssh's cinfo). */
  tokens: Tokens;
  /** No IdentityFile anywhere: OpenSSH's default key names were filled in. */
  defaultIdentities: boolean;
  /** Things ssh warns about and goes on (an -i file that is not there). */
  /** -i files that do not exist (ssh warns and goes on). */
  missingIdentityFiles: string[];
}

const DEFAULT_IDENTITIES = ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk', 'id_xmss', 'id_dsa'];

export async function resolveDestination(files: Directive[][], dest: Destination, cli: CommandLine = {}): Promise<Resolved> {
  if (!validHostname(dest.alias)) {
    throw new UsageError(`host name ${JSON.stringify(dest.alias)} holds characters ssh refuses (shell syntax, spaces, a comma, or a leading -)`, {
      code: 'ssh-config.invalid',
      hint: 'a name that reaches ssh config tokens (Match exec, ProxyCommand) must be a plain host name',
    });
  }
  const givenUser = dest.user ?? cli.user;
  if (givenUser !== undefined && !validUser(givenUser)) throw new UsageError(`user name ${JSON.stringify(givenUser)} holds characters ssh refuses (shell syntax, or a leading -)`, { code: 'ssh-config.invalid' });
  const o = emptyOptions();
  const missingIdentityFiles: string[] = [];
  o.user = dest.user ?? cli.user;
  o.port = dest.port ?? cli.port;
  for (const f of cli.identityFiles ?? []) {
    const p = tildeExpand(f);
    if (existsSync(p)) addFile(o.identityFiles, { path: p, source: 'command-line' });
    else missingIdentityFiles.push(p);
  }
  if (cli.knownHostsFile) o.userKnownHostsFiles = [cli.knownHostsFile];

  let wantFinal = false;
  await runPass(files, { host: dest.alias, originalHost: dest.alias, finalPass: false, options: o, wantFinalPass: () => (wantFinal = true) });

  let host = dest.alias;
  if (o.hostname !== undefined) host = o.hostname = percentExpand(o.hostname, { h: () => dest.alias }, at(o, 'hostname', 'HostName'));
  // Addresses are written in their canonical form (ssh: getaddrinfo + getnameinfo); names in lower case.
  const address = canonicalAddress(host);
  host = address ?? host.toLowerCase();
  const canonicalize = o.canonicalizeHostname ?? 'no';
  if (canonicalize !== 'no' && !address) host = await canonicalizeHost(host, o);
  if (canonicalize !== 'no') wantFinal = true;
  if (wantFinal) {
    o.hostname = host;
    await runPass(files, { host, originalHost: dest.alias, finalPass: true, options: o, wantFinalPass: () => undefined });
  }

  const defaultIdentities = fillDefaults(o);
  refuseUnreadKeySources(o, dest.alias);
  const user = o.user ?? cli.defaultUser ?? userInfo().username;
  const port = o.port ?? cli.defaultPort ?? 22;
  if (o.jumpHost !== undefined && o.jumpHost === host && (o.jumpPort ?? 22) === port && (o.jumpUser ?? user) === user) {
    throw new UsageError(`ssh config: jumphost loop via ${o.jumpHost}`, { code: 'ssh-config.invalid' });
  }
  if (o.hostKeyAlias !== undefined) o.hostKeyAlias = o.hostKeyAlias.toLowerCase();
  const portStr = String(port);
  const tokens: Tokens = {
    C: () => connectionHash(localHostname(), host, portStr, user),
    L: () => localHostname().split('.')[0]!,
    i: () => String(userInfo().uid),
    k: () => o.hostKeyAlias ?? dest.alias,
    l: localHostname,
    n: () => dest.alias,
    p: () => portStr,
    d: passwdHome,
    h: () => host,
    r: () => user,
    u: () => userInfo().username,
  };
  if (o.userKnownHostsFiles?.[0]?.toLowerCase() === 'none') o.userKnownHostsFiles = [];
  else o.userKnownHostsFiles = o.userKnownHostsFiles!.map((f) => expandPath(f, tokens, at(o, 'userKnownHostsFiles', 'UserKnownHostsFile')));
  if (o.globalKnownHostsFiles?.[0]?.toLowerCase() === 'none') o.globalKnownHostsFiles = [];
  return { alias: dest.alias, host, user, port, options: o, tokens, defaultIdentities, missingIdentityFiles };
}

/** ssh's default_client_percent_dollar_expand() after tilde_expand_filename(); `what` names the keyword (and where it was set). */
export function expandPath(path: string, tokens: Tokens, what: string): string {
  return dollarExpand(percentExpand(tildeExpand(path), tokens, what), what);
}

/** "Keyword (file line N)" for messages about a value found wrong once it is used. */
export function at(o: SshOptions, field: string, keyword: string): string {
  const where = o.origins.get(field);
  return where ? `${where}: ${keyword}` : keyword;
}

/**
 * An address as ssh prints it, or null for a name: IPv4 in inet_aton's forms
 * (`127.1`, `0x7f.1`) becomes dotted quad, IPv6 is compressed.
 */
export function canonicalAddress(host: string): string | null {
  if (isIP(host) === 6) {
    // A scoped address (fe80::1%eth0) is kept as written: URL's parser has no zones.
    if (host.includes('%')) return host.toLowerCase();
    return new URL(`http://[${host}]/`).hostname.slice(1, -1);
  }
  const parts = host.split('.');
  if (parts.length > 4 || !parts.every((p) => /^(0x[0-9a-f]*|0[0-7]*|[1-9][0-9]*)$/i.test(p))) return null;
  const nums = parts.map((p) => (/^0x/i.test(p) ? parseInt(p.slice(2) || '0', 16) : /^0/.test(p) ? parseInt(p, 8) : Number(p)));
  const last = nums.pop()!;
  if (nums.some((n) => n > 255) || last >= 2 ** (8 * (4 - nums.length))) return null;
  let value = last;
  nums.forEach((n, i) => (value += n * 2 ** (8 * (3 - i))));
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/**
 * Host key sources dpl does not read would make it accept a key ssh refuses: when
 * the config names one for this host, the connection is refused, not the setting
 * ignored. (`none` is unset, as in ssh.)
 */
function refuseUnreadKeySources(o: SshOptions, alias: string): void {
  for (const [keyword, name] of [['revokedhostkeys', 'RevokedHostKeys'], ['knownhostscommand', 'KnownHostsCommand']] as const) {
    const v = o.other.get(keyword)?.[0];
    if (v !== undefined && v.toLowerCase() !== 'none') {
      throw new UsageError(`ssh config: ${name} is not supported by dpl (set for ${alias})`, {
        code: 'ssh-config.invalid',
        hint: `dpl reads known_hosts files only; put the keys in a known_hosts file (@revoked lines for revocations), or set ${name} none for the hosts dpl reaches`,
      });
    }
  }
}

/** fill_default_options() for the fields dpl uses; true when the default identities were filled in. */
function fillDefaults(o: SshOptions): boolean {
  const noIdentities = !o.identityFiles.length;
  if (noIdentities) for (const n of DEFAULT_IDENTITIES) addFile(o.identityFiles, { path: `~/.ssh/${n}`, source: 'default' });
  o.globalKnownHostsFiles ??= ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];
  o.userKnownHostsFiles ??= ['~/.ssh/known_hosts', '~/.ssh/known_hosts2'];
  if (o.proxyCommand?.toLowerCase() === 'none') o.proxyCommand = undefined;
  if (o.jumpHost === 'none' && o.jumpPort === 0 && o.jumpUser === undefined) {
    o.jumpHost = undefined;
    o.jumpPort = undefined;
  }
  if (o.permittedCnames?.length === 1 && o.permittedCnames[0]!.source === 'none') o.permittedCnames = undefined;
  return noIdentities;
}

/**
 * resolve_canonicalize(): try `host.<domain>.` for each CanonicalDomains suffix
 * (names with more than CanonicalizeMaxDots dots, and proxied hosts unless
 * `always`, are left alone). CNAME following is not done: refused with an error.
 */
async function canonicalizeHost(host: string, o: SshOptions): Promise<string> {
  const direct = (o.proxyCommand === undefined || o.proxyCommand.toLowerCase() === 'none') && o.jumpHost === undefined;
  if (!direct && o.canonicalizeHostname !== 'always') return host;
  if (o.permittedCnames?.length && o.permittedCnames[0]!.source !== 'none') {
    throw new UsageError('ssh config: CanonicalizePermittedCNAMEs is not supported by dpl', {
      code: 'ssh-config.invalid',
      hint: 'remove it for the hosts dpl reaches, or give their full names',
    });
  }
  const resolves = (name: string): Promise<boolean> => lookup(name).then(() => true, () => false);
  if (host.endsWith('.')) {
    if (await resolves(host)) return host.slice(0, -1);
  } else {
    if ((host.match(/\./g)?.length ?? 0) > (o.canonicalizeMaxDots ?? 1)) return host;
    for (const domain of o.canonicalDomains ?? []) {
      if (domain.toLowerCase() === 'none') break;
      if (await resolves(`${host}.${domain}.`)) return `${host}.${domain}`;
    }
  }
  if (o.canonicalizeFallbackLocal === false) throw new UsageError(`ssh config: could not resolve host "${host}" (CanonicalizeFallbackLocal no)`, { code: 'ssh-config.invalid' });
  return host;
}
