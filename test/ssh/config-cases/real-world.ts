// Whole configs in the shapes teams write: bastions, per-environment wildcards, GitHub
// aliases, SSM, certificate authorities, conf.d.
import type { ConfigCase } from '../support/config-case.js';

const BASTION = `Host bastion
  HostName bastion.example.com
  User ops
  IdentityFile ~/.ssh/ops_ed25519

Host *.internal !bastion
  ProxyJump bastion
  User deploy
  UserKnownHostsFile ~/.ssh/known_hosts.internal

Host *
  IdentitiesOnly yes
  ServerAliveInterval 30
`;

const ENVIRONMENTS = `Host prod-*
  HostName %h.prod.example.com
  User deploy
  StrictHostKeyChecking yes
  IdentityFile ~/.ssh/prod_ed25519

Host staging-*
  HostName %h.staging.example.com
  User deploy
  StrictHostKeyChecking accept-new

Host *-db-*
  Port 2222

Host *
  User me
  IdentityFile ~/.ssh/id_ed25519
`;

export const realWorldCases: ConfigCase[] = [
  {
    name: 'bastion: internal hosts jump through it',
    source: 'real-world: bastion setup',
    config: BASTION,
    dest: 'db.internal',
    keys: ['identitiesonly', 'serveraliveinterval'],
    expect: { proxyjump: 'bastion', user: 'deploy', userknownhostsfile: '@HOME@/.ssh/known_hosts.internal', identitiesonly: 'yes' },
  },
  {
    name: 'bastion: the bastion itself connects directly with its own key',
    source: 'real-world: bastion setup',
    config: BASTION,
    dest: 'bastion',
    keys: ['identitiesonly'],
    expect: { proxyjump: null, hostname: 'bastion.example.com', user: 'ops', identityfile: '~/.ssh/ops_ed25519' },
  },
  {
    name: 'per-environment wildcards: prod database',
    source: 'real-world: per-environment wildcards',
    config: ENVIRONMENTS,
    dest: 'prod-db-1',
    expect: {
      hostname: 'prod-db-1.prod.example.com',
      user: 'deploy',
      port: '2222',
      stricthostkeychecking: 'true',
      identityfile: ['~/.ssh/prod_ed25519', '~/.ssh/id_ed25519'],
    },
  },
  {
    name: 'per-environment wildcards: staging web with -l',
    source: 'real-world: per-environment wildcards',
    config: ENVIRONMENTS,
    dest: 'staging-web-2',
    flags: { user: 'me-on-cli' },
    expect: { hostname: 'staging-web-2.staging.example.com', user: 'me-on-cli', port: '22', stricthostkeychecking: 'accept-new' },
    points: ['cli-wins'],
  },
  {
    name: 'GitHub: one key for github.com, a second account through an alias',
    source: 'real-world: GitHub-style',
    config:
      'Host github.com\n  User git\n  IdentityFile ~/.ssh/github_personal\n  IdentitiesOnly yes\n\n' +
      'Host github-work\n  HostName github.com\n  User git\n  IdentityFile ~/.ssh/github_work\n  IdentitiesOnly yes\n  HostKeyAlias github.com\n',
    dest: 'github-work',
    keys: ['identitiesonly'],
    expect: { hostname: 'github.com', user: 'git', identityfile: '~/.ssh/github_work', hostkeyalias: 'github.com' },
    points: ['hostkeyalias'],
  },
  {
    name: 'AWS SSM: ProxyCommand with nested quotes for i-* and mi-* hosts',
    source: 'real-world: SSM/ProxyCommand (AWS documentation)',
    config:
      'Host i-* mi-*\n  User ec2-user\n' +
      '  ProxyCommand sh -c "aws ssm start-session --target %h --document-name AWS-StartSSHSession --parameters \'portNumber=%p\'"\n',
    dest: 'i-0abc123def4567890',
    expect: {
      user: 'ec2-user',
      proxycommand: 'sh -c "aws ssm start-session --target %h --document-name AWS-StartSSHSession --parameters \'portNumber=%p\'"',
    },
    points: ['proxycommand-verbatim'],
  },
  {
    name: 'certificate authority: user certificate, host CA known_hosts, alias for the cluster key',
    source: 'real-world: CA setups',
    config:
      'Host *.corp.example.com\n  IdentityFile ~/.ssh/id_ed25519\n  CertificateFile ~/.ssh/id_ed25519-cert.pub\n' +
      '  UserKnownHostsFile ~/.ssh/known_hosts_corp_ca\n  HostKeyAlias corp-cluster\n  StrictHostKeyChecking yes\n',
    dest: 'alice@k8s-node-7.corp.example.com',
    keys: ['certificatefile'],
    expect: {
      user: 'alice',
      certificatefile: '~/.ssh/id_ed25519-cert.pub',
      identityfile: '~/.ssh/id_ed25519',
      hostkeyalias: 'corp-cluster',
      userknownhostsfile: '@HOME@/.ssh/known_hosts_corp_ca',
    },
    points: ['hostkeyalias', 'match-user'],
  },
  {
    name: 'conf.d: a top config that includes per-team files under ~/.ssh, with a Match for the VPN',
    source: 'real-world: Include of conf.d/*',
    config:
      'Include @UNIQ@.d/*.conf\n\n' +
      'Match host *.office.example.com !exec "test -e @DIR@/on-vpn"\n  ProxyJump gw.example.com\n\n' +
      'Host *\n  ServerAliveInterval 20\n',
    files: {
      '~/.ssh/@UNIQ@.d/10-office.conf': 'Host *.office.example.com\n  User office\n  IdentityFile ~/.ssh/office\n',
      '~/.ssh/@UNIQ@.d/20-lab.conf': 'Host lab-*\n  User lab\n',
      '~/.ssh/@UNIQ@.d/README': 'this is not a config file',
    },
    dest: 'printer.office.example.com',
    keys: ['serveraliveinterval'],
    expect: { user: 'office', identityfile: '~/.ssh/office', proxyjump: 'gw.example.com', serveraliveinterval: '20' },
    points: ['match-negation'],
  },
  {
    name: 'jump host given by alias with its own user; the target has a quoted key path',
    source: 'real-world: bastion setup',
    config:
      'Host jump\n  HostName jump.example.com\n  User ops\n\n' +
      'Host app\n  HostName 10.20.0.5\n  ProxyJump jump\n  IdentityFile "~/.ssh/app keys/deploy"\n',
    dest: 'deploy@app',
    expect: { proxyjump: 'jump', hostname: '10.20.0.5', user: 'deploy', identityfile: '~/.ssh/app keys/deploy' },
    points: ['quoted-path'],
  },
];
