// The bed's ssh_config: aliases for every host so `ssh -F`, `dpl -F` and the pool
// reach them by name (web-0, bastion, web-1-via-bastion, stranger, refused...).
export function sshConfigText(info) {
  const lines = [
    `# dpl sshd test bed (${info.dir})`,
    `#   ssh -F ${info.configFile} web-0 uname -n`,
    `#   node bin/dpl.js -F ${info.configFile} -H web-0,web-1 -- uname -n`,
    '',
  ];
  const aliases = [];
  for (const h of Object.values(info.hosts)) {
    lines.push(`Host ${h.name}`, `  HostName ${h.address}`, `  Port ${h.port}`, '');
    aliases.push(h.name);
  }
  for (const j of info.jumpAliases) {
    const t = info.hosts[j.target];
    lines.push(`Host ${j.name}`, `  HostName ${t.address}`, `  Port ${t.port}`, `  ProxyJump ${j.jump}`, '');
    aliases.push(j.name);
  }
  if (info.refused) {
    lines.push(`Host ${info.refused.name}`, `  HostName ${info.refused.address}`, `  Port ${info.refused.port}`, '');
    aliases.push(info.refused.name);
  }
  // Every host checks against the bed's known_hosts (the aliases say so in their own block, so
  // a config that splices them before another `Host *` keeps them); a test can bring its own
  // file with the pool option knownHostsFile (--known-hosts), which wins as ssh's -o does.
  lines.push(`Host ${aliases.join(' ')}`, `  UserKnownHostsFile ${info.knownHostsFile}`, '');
  lines.push(
    'Host *',
    `  UserKnownHostsFile ${info.knownHostsFile}`,
    `  User ${info.user}`,
    `  IdentityFile ${info.keys.plain}`,
    '  IdentitiesOnly yes',
    '  BatchMode yes',
    '  ConnectTimeout 5',
    '',
  );
  return lines.join('\n');
}
