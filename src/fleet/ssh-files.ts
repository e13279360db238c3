// The client side of a fleet: an ssh_config with one alias per host (so `ssh -F`,
// `dpl -F` and the pool reach hosts by name), pinned to the fleet's known_hosts.
export interface AliasTarget {
  name: string;
  address: string;
  port: number;
}

export interface SshConfigSpec {
  /** Comment lines at the top (without '#'). */
  header: string[];
  hosts: AliasTarget[];
  /** Aliases that reach `target` through `jump` (ProxyJump). */
  jumpAliases?: Array<{ name: string; target: string; jump: string }>;
  /** An alias where nothing listens. */
  refused?: AliasTarget | null;
  knownHostsFile: string;
  user: string;
  identityFile: string;
  /** StrictHostKeyChecking yes in `Host *` (else ssh's default: ask, i.e. refuse in BatchMode). */
  strict?: boolean;
}

export function sshConfigText(o: SshConfigSpec): string {
  const lines = [...o.header.map((l) => `# ${l}`.trimEnd()), ''];
  const aliases: string[] = [];
  const block = (name: string, address: string, port: number, more: string[] = []) => {
    lines.push(`Host ${name}`, `  HostName ${address}`, `  Port ${port}`, ...more, '');
    aliases.push(name);
  };
  for (const h of o.hosts) block(h.name, h.address, h.port);
  for (const j of o.jumpAliases ?? []) {
    const t = o.hosts.find((h) => h.name === j.target);
    if (!t) throw new Error(`jump alias ${j.name}: no host ${j.target}`);
    block(j.name, t.address, t.port, [`  ProxyJump ${j.jump}`]);
  }
  if (o.refused) block(o.refused.name, o.refused.address, o.refused.port);
  // The aliases say which known_hosts in their own block, so a config that splices them
  // before another `Host *` keeps them; a test can still bring its own file with the pool
  // option knownHostsFile (--known-hosts), which wins as ssh's -o does.
  lines.push(`Host ${aliases.join(' ')}`, `  UserKnownHostsFile ${o.knownHostsFile}`, '');
  lines.push(
    'Host *',
    `  UserKnownHostsFile ${o.knownHostsFile}`,
    `  User ${o.user}`,
    `  IdentityFile ${o.identityFile}`,
    '  IdentitiesOnly yes',
    ...(o.strict ? ['  StrictHostKeyChecking yes'] : []),
    '  BatchMode yes',
    '  ConnectTimeout 5',
    '',
  );
  return lines.join('\n');
}
