// ProxyJump and ProxyCommand: how ssh -G prints them, and which one wins. The installed
// ssh (Debian 9.2p1-2+deb12u10) carries upstream 0a0ef4515 (OpenSSH 10.3, "make ProxyJump and
// ProxyCommand first-match-wins between each other"): a ProxyJump host sets ProxyCommand to
// none, a ProxyCommand makes later ProxyJump lines inactive, and `ProxyJump none` only holds
// later ProxyJump lines (a later ProxyCommand still applies).
import type { ConfigCase } from '../support/config-case.js';

const SRC = 'ssh_config(5) ProxyJump, ProxyCommand';
const FIRST = 'ssh_config(5) ProxyJump; readconf.c parse_jump (Debian backport of upstream 0a0ef4515)';

export const proxyCases: ConfigCase[] = [
  {
    name: 'ProxyJump user@host:port chain is printed as written',
    source: SRC,
    config: 'Host app\n  ProxyJump ops@jump1.example.com:2201,jump2.example.com\n',
    dest: 'app',
    expect: { proxyjump: 'ops@jump1.example.com:2201,jump2.example.com', proxycommand: null },
  },
  {
    name: 'ProxyJump to a numeric IPv4 address is printed in brackets',
    source: 'readconf.c dump_client_config (numeric jump host)',
    config: 'Host app\n  ProxyJump 10.0.0.1:2222\n',
    dest: 'app',
    expect: { proxyjump: '[10.0.0.1]:2222' },
  },
  {
    name: 'ProxyJump to IPv6 addresses in brackets',
    source: SRC,
    config: 'Host app\n  ProxyJump ops@[2001:db8::1]:2200,[::1]\n',
    dest: 'app',
    expect: { proxyjump: 'ops@[2001:db8::1]:2200,[::1]' },
  },
  {
    name: 'ProxyJump ssh:// URI is printed as user@host:port',
    source: SRC,
    config: 'Host app\n  ProxyJump ssh://ops@bastion.example.com:2022\n',
    dest: 'app',
    expect: { proxyjump: 'ops@bastion.example.com:2022' },
  },
  {
    name: 'ProxyJump with a trailing comment',
    source: 'readconf.c parse_jump (comment removed)',
    config: 'Host app\n  ProxyJump bastion.example.com # via the bastion\n',
    dest: 'app',
    expect: { proxyjump: 'bastion.example.com' },
  },
  {
    name: 'ProxyJump none in a specific block beats a wildcard ProxyJump below',
    source: FIRST,
    config: 'Host bastion\n  ProxyJump none\nHost *\n  ProxyJump bastion\n',
    dest: 'bastion',
    expect: { proxyjump: null, proxycommand: null },
    points: ['proxy-first-wins'],
  },
  {
    name: 'ProxyCommand none before ProxyJump: the connection is direct',
    source: FIRST,
    config: 'Host internal-*\n  ProxyCommand none\nHost *\n  ProxyJump bastion.example.com\n',
    dest: 'internal-db',
    expect: { proxyjump: null, proxycommand: null },
    points: ['proxy-first-wins'],
  },
  {
    name: 'ProxyJump before ProxyCommand: ProxyJump wins',
    source: FIRST,
    config: 'Host app\n  ProxyJump bastion.example.com\nHost *\n  ProxyCommand nc %h %p\n',
    dest: 'app',
    expect: { proxyjump: 'bastion.example.com', proxycommand: null },
    points: ['proxy-first-wins'],
  },
  {
    name: 'ProxyCommand before ProxyJump: ProxyCommand wins',
    source: FIRST,
    config: 'Host app\n  ProxyCommand nc %h %p\nHost *\n  ProxyJump bastion.example.com\n',
    dest: 'app',
    expect: { proxycommand: 'nc %h %p', proxyjump: null },
    points: ['proxy-first-wins'],
  },
  {
    name: 'ProxyJump none holds later ProxyJump lines but not a later ProxyCommand',
    source: FIRST,
    config: 'Host app\n  ProxyJump none\nHost *\n  ProxyJump bastion.example.com\n  ProxyCommand nc %h %p\n',
    dest: 'app',
    expect: { proxycommand: 'nc %h %p', proxyjump: null },
    points: ['proxy-first-wins'],
  },
  {
    name: 'ProxyJump none followed by a comment is a jump host named "none"',
    source: 'readconf.c parse_jump ("none" compared before the comment is removed)',
    config: 'Host app\n  ProxyJump none # no jump for app\nHost *\n  ProxyJump bastion.example.com\n',
    dest: 'app',
    expect: { proxyjump: 'none' },
  },
  {
    name: 'ProxyCommand is kept as written: quotes, spacing and a trailing comment',
    source: 'readconf.c parse_command (the rest of the line, verbatim)',
    config: 'Host app\n  ProxyCommand   ssh -W "%h:%p"   -q \'jump host\' # via jump\n',
    dest: 'app',
    expect: { proxycommand: 'ssh -W "%h:%p"   -q \'jump host\' # via jump' },
    points: ['proxycommand-verbatim'],
  },
  {
    name: 'ProxyCommand with = separator',
    source: SRC,
    config: 'Host app\n  ProxyCommand=socat - TCP:%h:%p,connect-timeout=5\n',
    dest: 'app',
    expect: { proxycommand: 'socat - TCP:%h:%p,connect-timeout=5' },
    points: ['proxycommand-verbatim'],
  },
  {
    name: 'ProxyCommand with shell syntax (pipes, redirections, exec) is not re-quoted',
    source: 'ssh_config(5) ProxyCommand (exec, /bin/sh)',
    config: 'Host app\n  ProxyCommand exec nc -X connect -x proxy.example.com:3128 %h %p 2>/dev/null || exit 1\n',
    dest: 'app',
    expect: { proxycommand: 'exec nc -X connect -x proxy.example.com:3128 %h %p 2>/dev/null || exit 1' },
    points: ['proxycommand-verbatim'],
  },
  {
    name: 'ProxyCommand keeps %% and tabs inside the command',
    source: 'readconf.c parse_command',
    config: "Host app\n  ProxyCommand printf '%%s\\n' start >&2;\texec nc %h %p\n",
    dest: 'app',
    expect: { proxycommand: "printf '%%s\\n' start >&2;\texec nc %h %p" },
    points: ['proxycommand-verbatim'],
  },
  {
    name: 'ProxyCommand from an included file, first value wins over the including file',
    source: 'ssh_config(5) Include, ProxyCommand',
    config: 'Include @DIR@/proxy.conf\nHost *\n  ProxyCommand nc -w 5 %h %p\n',
    files: { 'proxy.conf': 'Host legacy-*\n  ProxyCommand  /usr/bin/env "HTTPS_PROXY=http://proxy:3128"  corkscrew proxy 3128 %h %p\n' },
    dest: 'legacy-1',
    expect: { proxycommand: '/usr/bin/env "HTTPS_PROXY=http://proxy:3128"  corkscrew proxy 3128 %h %p' },
    points: ['proxycommand-verbatim', 'proxy-first-wins'],
  },
  {
    name: 'a bad ProxyJump is an error even in a block that does not match',
    source: 'readconf.c parse_jump (syntax always checked)',
    config: 'Host other\n  ProxyJump ops@:22\nHost app\n  User deploy\n',
    dest: 'app',
    fails: { ssh: /line 2: Invalid ProxyJump "ops@:22"/, file: 'main', line: 2 },
  },
  {
    name: 'ProxyJump port may be a service name (printed as its number)',
    source: 'misc.c a2port (getservbyname)',
    config: 'Host app\n  ProxyJump bastion:ssh\n',
    dest: 'app',
    expect: { proxyjump: 'bastion:22' },
  },
  {
    name: 'ProxyJump with a port that is neither a number nor a service is an error',
    source: 'readconf.c parse_jump',
    config: 'Host app\n  ProxyJump bastion:no-such-service\n',
    dest: 'app',
    fails: { ssh: /line 2: Invalid ProxyJump "bastion:no-such-service"/, file: 'main', line: 2 },
  },
  {
    name: 'ProxyCommand without a command is an error',
    source: 'readconf.c process_config_line_depth (no argument)',
    config: 'Host app\n  User deploy\n  ProxyCommand\n',
    dest: 'app',
    fails: { ssh: /line 3: no argument after keyword "proxycommand"/, file: 'main', line: 3 },
  },
];
