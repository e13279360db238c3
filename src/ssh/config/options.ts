// What one evaluation of ssh_config collects for a host, in OpenSSH's terms
// (readconf.h's Options): unset fields are undefined, and a keyword sets its field
// only while unset, which is "the first value obtained wins".

export type StrictHostKeyChecking = 'yes' | 'no' | 'ask' | 'accept-new';
export type Canonicalize = 'no' | 'yes' | 'always';

/** Where a file name came from, as OpenSSH's `userprovided` value: it drops a duplicate only from the same kind of source. */
export type FileSource = 'default' | 'command-line' | 'user-config' | 'system-config';

export interface FileEntry {
  path: string;
  source: FileSource;
  /** `file line N` of the directive, for errors found when the name is expanded. */
  where?: string;
}

export interface SshOptions {
  user?: string;
  hostname?: string;
  port?: number;
  identityFiles: FileEntry[];
  certificateFiles: FileEntry[];
  identitiesOnly?: boolean;
  identityAgent?: string;
  forwardAgent?: boolean;
  forwardAgentPath?: string;
  proxyCommand?: string;
  /** ProxyJump's last hop ("none" until the defaults clear it), its user and port, and the hops before it. */
  jumpHost?: string;
  jumpUser?: string;
  jumpPort?: number;
  jumpExtra?: string;
  strictHostKeyChecking?: StrictHostKeyChecking;
  userKnownHostsFiles?: string[];
  globalKnownHostsFiles?: string[];
  /** Seconds; -1 for `none`. */
  connectTimeout?: number;
  serverAliveInterval?: number;
  serverAliveCountMax?: number;
  hashKnownHosts?: boolean;
  batchMode?: boolean;
  passwordAuthentication?: boolean;
  kbdInteractiveAuthentication?: boolean;
  hostKeyAlias?: string;
  kexAlgorithms?: string;
  hostKeyAlgorithms?: string;
  ciphers?: string;
  macs?: string;
  caSignatureAlgorithms?: string;
  canonicalizeHostname?: Canonicalize;
  canonicalDomains?: string[];
  canonicalizeMaxDots?: number;
  canonicalizeFallbackLocal?: boolean;
  permittedCnames?: Array<{ source: string; target: string }>;
  ignoreUnknown?: string;
  requiredRsaSize?: number;
  /** Keywords dpl parses and checks but does not act on: first value, as written. */
  other: Map<string, string[]>;
  /** `file line N` where each field got its value, for errors found later (expanding %-tokens). */
  origins: Map<string, string>;
}

export function emptyOptions(): SshOptions {
  return { identityFiles: [], certificateFiles: [], other: new Map(), origins: new Map() };
}

/** OpenSSH's add_identity_file(): the same path from the same kind of source is kept once. */
export function addFile(list: FileEntry[], entry: FileEntry): void {
  if (!list.some((e) => e.source === entry.source && e.path === entry.path)) list.push(entry);
}
