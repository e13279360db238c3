// What one evaluation of ssh_config collects for a host, in OpenSSH's terms
// (readconf.h's Options): unset fields are undefined, and a keyword sets its field
// only while unset, which is "the first value obtained wins".

export type StrictHostKeyChecking = 'yes' | 'no' | 'ask' | 'accept-new';
export type Canonicalize = 'no' | 'yes' | 'always';

export interface FileEntry {
  path: string;
  /** -i or a user config (not the system config or the defaults): OpenSSH keeps the two apart when removing duplicates. */
  userProvided: boolean;
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
  /** Keywords dpl parses and checks but does not act on: first value, as written. */
  other: Map<string, string[]>;
}

export function emptyOptions(): SshOptions {
  return { identityFiles: [], certificateFiles: [], other: new Map() };
}

/** OpenSSH's add_identity_file(): the same path from the same kind of source is kept once. */
export function addFile(list: FileEntry[], path: string, userProvided: boolean): void {
  if (!list.some((e) => e.userProvided === userProvided && e.path === path)) list.push({ path, userProvided });
}
