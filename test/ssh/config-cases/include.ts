// Include: regress/cfginclude.sh (V_9_2_P1) case by case, then globs, relative paths
// (under ~/.ssh, never beside the including file), nesting, and loops.
import type { ConfigCase } from '../support/config-case.js';

const SRC = 'regress/cfginclude.sh';

// The regress script's three files, with its comments in the same places.
const MAIN = `Match host a
	Hostname aa

Match host b # comment
	Hostname bb
	Include @DIR@/ssh_config.i.*

Match host c
	Include @DIR@/ssh_config.i.*
	Hostname cc

Match host m
	Include @DIR@/ssh_config.i.* # comment

Host d
	Hostname dd # comment

Host e
	Hostname ee
	Include @DIR@/ssh_config.i.*

Host f
	Include @DIR@/ssh_config.i.*
	Hostname ff

Host n
	Include @DIR@/ssh_config.i.*
`;
const I0 = `Match host xxxxxx
`;
const I1 = `Match host a
	Hostname aaa

Match host b
	Hostname bbb

Match host c # comment
	Hostname ccc

Host d # comment
	Hostname ddd

Host e
	Hostname eee

Host f
	Hostname fff # comment
`;
const I2 = `Match host a
	Hostname aaaa

Match host b
	Hostname bbbb

Match host c
	Hostname cccc

Host d
	Hostname dddd

Host e
	Hostname eeee

Host f
	Hostname ffff

Match all
	Hostname xxxx
`;
const FILES = { 'ssh_config.i.0': I0, 'ssh_config.i.1': I1, 'ssh_config.i.2': I2 };

const trial = (host: string, want: string, why: string): ConfigCase => ({
  name: `cfginclude: trial ${host} -> ${want} (${why})`,
  source: SRC,
  config: MAIN,
  files: FILES,
  dest: host,
  keys: ['hostname'],
  expect: { hostname: want },
});

export const includeCases: ConfigCase[] = [
  trial('a', 'aa', 'a Match before any Include: first value wins'),
  trial('b', 'bb', 'Include after HostName in the same Match block'),
  trial('c', 'ccc', 'Include before HostName: the included Match host c is first'),
  trial('d', 'dd', 'Host with a trailing comment on its value'),
  trial('e', 'ee', 'Include after HostName in a Host block'),
  trial('f', 'fff', 'included Host f block applies inside the including Host f block'),
  trial('m', 'xxxx', 'Include with a trailing comment; the included `Match all` applies'),
  trial('n', 'xxxx', 'only the included `Match all` matches n'),
  trial('x', 'x', 'Include inside blocks that do not match is parsed only'),
  {
    name: 'cfginclude: a bad keyword in an included file fails the whole config (matching host)',
    source: SRC,
    config: MAIN,
    files: { ...FILES, 'ssh_config.i.3': 'Hostname xxxx\n\tJunk\n' },
    dest: 'a',
    fails: { ssh: /ssh_config\.i\.3 line 2: no argument after keyword "junk"/, file: 'ssh_config.i.3', line: 2 },
  },
  {
    name: 'cfginclude: a bad keyword in a file included only in non-matching blocks still fails',
    source: SRC,
    config: MAIN,
    files: { ...FILES, 'ssh_config.i.3': 'Hostname xxxx\n\tJunk\n' },
    dest: 'x',
    fails: { ssh: /ssh_config\.i\.3 line 2: no argument after keyword "junk"/, file: 'ssh_config.i.3', line: 2 },
  },
  {
    name: 'cfginclude: an Include glob that matches nothing is not an error',
    source: SRC,
    config: 'Include @DIR@/ssh_config.i.*\nHostname aa\n',
    dest: 'a',
    keys: ['hostname'],
    expect: { hostname: 'aa' },
  },
  {
    name: 'cfginclude: a Match in an included file does not change the including file',
    source: SRC,
    config: 'Include @DIR@/ssh_config.i.*\nHostname aa\n',
    files: { 'ssh_config.i.x': 'Match host x\n' },
    dest: 'a',
    keys: ['hostname'],
    expect: { hostname: 'aa' },
  },
  {
    name: 'cfginclude: a Host in an included file does not change the including file',
    source: SRC,
    config: 'Include @DIR@/ssh_config.i.*\nHostname aa\n',
    files: { 'ssh_config.i.x': 'Host x\n' },
    dest: 'a',
    keys: ['hostname'],
    expect: { hostname: 'aa' },
  },
  {
    name: 'cfginclude: a file that includes itself is an error, not a hang',
    source: 'regress/cfginclude.sh (openssh-portable master: recursion bound)',
    config: 'Include @DIR@/main\n',
    dest: 'a',
    fails: { ssh: /Too many recursive configuration includes/, file: 'main', line: 1 },
  },
  {
    name: 'Include loop through two files is an error',
    source: 'readconf.c READCONF_MAX_DEPTH',
    config: 'Host *\n  User loop\nInclude @DIR@/a.conf\n',
    files: { 'a.conf': 'Include @DIR@/b.conf\n', 'b.conf': 'Include @DIR@/a.conf\n' },
    dest: 'h',
    // b.conf line 1 is where the loop closes (a.conf is already open) and where the depth limit trips.
    fails: { ssh: /Too many recursive configuration includes/, file: 'b.conf', line: 1 },
  },
  {
    name: 'Include of conf.d/*: files in glob order, the first file to set a value wins',
    source: 'real-world: Include of conf.d/*',
    config: 'Include @DIR@/conf.d/*\nHost *\n  User fallback\n',
    files: {
      'conf.d/10-web.conf': 'Host web-*\n  User web\n  Port 2210\n',
      'conf.d/9-all.conf': 'Host *\n  Port 2209\n  IdentityFile ~/.ssh/nine\n',
      'conf.d/20-web.conf': 'Host web-1\n  User never\n  HostName web-1.internal\n',
    },
    dest: 'web-1',
    keys: ['hostname', 'user', 'port', 'identityfile'],
    expect: { user: 'web', port: '2210', hostname: 'web-1.internal', identityfile: '~/.ssh/nine' },
  },
  {
    name: 'Include with ? in the file name needs exactly one character',
    source: 'ssh_config(5) Include; glob(3)',
    config: 'Include @DIR@/part-?.conf\n',
    files: { 'part-.conf': 'User zero-chars\n', 'part-1.conf': 'Port 2201\n', 'part-12.conf': 'HostName two-chars\n' },
    dest: 'h',
    keys: ['user', 'port', 'hostname'],
    expect: { user: '@USER@', port: '2201', hostname: 'h' },
    points: ['question-mark'],
  },
  {
    name: 'relative Include is under ~/.ssh',
    source: 'ssh_config(5) Include',
    config: 'Include @UNIQ@-*.conf\n',
    files: {
      '~/.ssh/@UNIQ@-b.conf': 'Host app\n  Port 2202\n',
      '~/.ssh/@UNIQ@-a.conf': 'Host app\n  User from-a\n  Port 2201\n',
    },
    dest: 'app',
    keys: ['user', 'port'],
    expect: { user: 'from-a', port: '2201' },
  },
  {
    name: 'relative Include inside an included file is still under ~/.ssh, not beside that file',
    source: 'readconf.c oInclude',
    config: 'Include @DIR@/first.conf\n',
    files: {
      'first.conf': 'Include @UNIQ@-second.conf\n',
      '@UNIQ@-second.conf': 'User beside-the-file\n',
      '~/.ssh/@UNIQ@-second.conf': 'User under-dot-ssh\n',
    },
    dest: 'h',
    keys: ['user'],
    expect: { user: 'under-dot-ssh' },
  },
  {
    name: 'Include with ~/.ssh/ and a glob over a directory under ~/.ssh',
    source: 'real-world: Include ~/.ssh/config.d/*',
    config: 'Include ~/.ssh/@UNIQ@.d/*\nHost *\n  IdentityFile ~/.ssh/id_default\n',
    files: {
      '~/.ssh/@UNIQ@.d/work': 'Host *.work.example\n  User worker\n  IdentityFile ~/.ssh/id_work\n',
      '~/.ssh/@UNIQ@.d/home': 'Host *.home.example\n  User homer\n',
    },
    dest: 'build.work.example',
    keys: ['user', 'identityfile'],
    expect: { user: 'worker', identityfile: ['~/.ssh/id_work', '~/.ssh/id_default'] },
  },
  {
    name: 'Include nested three levels, each adding IdentityFile in order',
    source: 'ssh_config(5) Include (nesting)',
    config: 'IdentityFile ~/.ssh/k0\nInclude @DIR@/l1.conf\nIdentityFile ~/.ssh/k4\n',
    files: {
      'l1.conf': 'IdentityFile ~/.ssh/k1\nInclude @DIR@/l2.conf\n',
      'l2.conf': 'IdentityFile ~/.ssh/k2\nInclude @DIR@/l3.conf\n',
      'l3.conf': 'IdentityFile ~/.ssh/k3\n',
    },
    dest: 'h',
    keys: ['identityfile'],
    expect: { identityfile: ['~/.ssh/k0', '~/.ssh/k1', '~/.ssh/k2', '~/.ssh/k3', '~/.ssh/k4'] },
  },
  {
    name: 'Include with two paths on one line, in the order written',
    source: 'ssh_config(5) Include',
    config: 'Include @DIR@/z.conf @DIR@/a.conf\n',
    files: { 'a.conf': 'User from-a\nPort 2001\n', 'z.conf': 'User from-z\n' },
    dest: 'h',
    keys: ['user', 'port'],
    expect: { user: 'from-z', port: '2001' },
  },
  {
    name: 'Include of a quoted path with a space',
    source: 'ssh_config(5) quoting; real-world: macOS "Application Support" paths',
    config: 'Include "@DIR@/my configs/*.conf"\n',
    files: { 'my configs/x.conf': 'Host h\n  HostName spaced.example\n' },
    dest: 'h',
    keys: ['hostname'],
    expect: { hostname: 'spaced.example' },
    points: ['quoted-path'],
  },
  {
    name: 'Include inside a non-matching Host block: even its top-level lines are not applied',
    source: 'readconf.c oInclude (SSHCONF_NEVERMATCH)',
    config: 'Host other\n  Include @DIR@/inc.conf\nHost *\n  User after\n',
    files: { 'inc.conf': 'User from-include\nHost *\n  Port 2999\n' },
    dest: 'h',
    keys: ['user', 'port'],
    expect: { user: 'after', port: '22' },
  },
  {
    name: 'Include inside a matching Host block: its Host * applies, and the block continues after it',
    source: 'readconf.c oInclude (activep restored)',
    config: 'Host prod-*\n  Include @DIR@/prod.conf\n  User prod-user\nHost *\n  User default\n',
    files: { 'prod.conf': 'Port 2222\nHost other\n  User never\n  IdentityFile ~/.ssh/never\n' },
    dest: 'prod-db',
    keys: ['user', 'port', 'identityfile'],
    expect: { user: 'prod-user', port: '2222' },
  },
];
