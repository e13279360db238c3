// Command-line flags come first: dpl -u/-p/-i/--known-hosts must win over the config as
// ssh's -l/-p/-i/-o UserKnownHostsFile do (ssh_config(5) DESCRIPTION: command-line options
// are the first source). The harness puts ssh's flags before the destination, as dpl's are.
import type { ConfigCase } from '../support/config-case.js';

const SRC = 'ssh_config(5) DESCRIPTION (command-line options first); ssh(1)';

export const commandLineCases: ConfigCase[] = [
  {
    name: '-l wins over User in the config',
    source: SRC,
    config: 'Host app\n  User config-user\n',
    dest: 'app',
    flags: { user: 'cli-user' },
    expect: { user: 'cli-user' },
    points: ['cli-wins'],
  },
  {
    name: '-l given before the destination wins over user@host',
    source: 'regress/sshcfgparse.sh (user first match)',
    config: 'Host app\n  User config-user\n',
    dest: 'dest-user@app',
    flags: { user: 'cli-user' },
    expect: { user: 'cli-user' },
    points: ['cli-wins'],
    refused:
      'a dpl run takes the user written with the host over -u (Fabric’s rule, docs/ssh.md), where ssh lets -l win: dpl ssh-config refuses the pair rather than print either',
  },
  {
    name: 'user@host wins over User in the config',
    source: 'regress/sshcfgparse.sh (user first match user@host)',
    config: 'Host app\n  User config-user\n',
    dest: 'dest-user@app',
    expect: { user: 'dest-user' },
    points: ['match-user'],
  },
  {
    name: '-p wins over Port in the config',
    source: SRC,
    config: 'Host app\n  Port 2222\n',
    dest: 'app',
    flags: { port: 2200 },
    expect: { port: '2200' },
    points: ['cli-wins'],
  },
  {
    name: '-p is what %p expands to',
    source: 'ssh_config(5) TOKENS (%p)',
    config: 'Host app\n  Port 2222\n  UserKnownHostsFile ~/.ssh/kh-%h-%p\n',
    dest: 'app',
    flags: { port: 2200 },
    expect: { port: '2200', userknownhostsfile: '@HOME@/.ssh/kh-app-2200' },
    points: ['cli-wins'],
  },
  {
    name: '-i comes first, expanded, then the IdentityFile lines of the config',
    source: 'ssh(1) -i; readconf.c add_identity_file',
    config: 'Host app\n  IdentityFile ~/.ssh/config_key\n',
    dest: 'app',
    flags: { identity: ['@DIR@/cli_key'] },
    expect: { identityfile: ['@DIR@/cli_key', '~/.ssh/config_key'] },
    points: ['cli-wins'],
  },
  {
    // -i files are flagged 1 and config ones SSHCONF_USERCONF (2): the duplicate check compares the flag too.
    name: '-i twice, and the same file named again in the config, is listed twice',
    source: 'readconf.c add_identity_file (duplicates dropped only with the same userprovided value)',
    config: 'Host app\n  IdentityFile @DIR@/key_b\n  IdentityFile ~/.ssh/other\n  IdentityFile @DIR@/key_b\n',
    dest: 'app',
    flags: { identity: ['@DIR@/key_a', '@DIR@/key_b', '@DIR@/key_a'] },
    expect: { identityfile: ['@DIR@/key_a', '@DIR@/key_b', '@DIR@/key_b', '~/.ssh/other'] },
    points: ['cli-wins'],
  },
  {
    name: '-o UserKnownHostsFile (dpl --known-hosts) wins over the config',
    source: SRC,
    config: 'Host app\n  UserKnownHostsFile ~/.ssh/known_hosts_app\n',
    dest: 'app',
    flags: { knownHosts: '@DIR@/known_hosts' },
    expect: { userknownhostsfile: '@DIR@/known_hosts' },
    points: ['cli-wins'],
  },
  {
    name: 'all four flags together with a Match user on the flag user',
    source: SRC,
    config: 'Match user ci\n  IdentitiesOnly yes\nHost app\n  User deploy\n  Port 2222\n  IdentityFile ~/.ssh/deploy\n  UserKnownHostsFile ~/.ssh/kh_app\n',
    dest: 'app',
    flags: { user: 'ci', port: 2201, identity: ['@DIR@/ci_key'], knownHosts: '@DIR@/kh_ci' },
    keys: ['identitiesonly'],
    expect: { user: 'ci', port: '2201', identityfile: ['@DIR@/ci_key', '~/.ssh/deploy'], userknownhostsfile: '@DIR@/kh_ci', identitiesonly: 'yes' },
    points: ['cli-wins', 'match-user'],
  },
];
