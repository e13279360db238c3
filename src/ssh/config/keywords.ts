// Each ssh_config keyword of OpenSSH 9.2 as readconf.c parses it: its arguments
// are checked when the file is read (an error on any line is fatal, active or
// not, as in ssh), and what it sets is applied only inside a matching block and
// only while still unset. Keywords dpl does not act on are checked and kept as
// written in `other`.
import { ConfigSyntaxError, argvSplit, type RawLine } from './lexer.js';
import { addFile, type SshOptions } from './options.js';
import { CANONICALIZE, MULTISTATES, STRICT, a2port, algorithmsValid, atoi, convtime, multistate, parseHop, type AlgorithmFamily } from './values.js';

export type Apply = (o: SshOptions) => void;

/** Argument cursor over one line; `extra()` is OpenSSH's "extra arguments at end of line" check. */
class Args {
  private i = 0;
  constructor(
    private readonly list: string[],
    readonly where: string,
  ) {}
  next(): string | undefined {
    return this.list[this.i++];
  }
  all(): string[] {
    const r = this.list.slice(this.i);
    this.i = this.list.length;
    return r;
  }
  get left(): number {
    return Math.max(0, this.list.length - this.i);
  }
  required(what = 'Missing argument.'): string {
    const a = this.next();
    if (a === undefined || a === '') throw this.fail(what);
    return a;
  }
  fail(message: string): ConfigSyntaxError {
    return new ConfigSyntaxError(`${this.where}: ${message}`);
  }
}

type Parser = (a: Args, line: RawLine, userConf: boolean) => Apply | undefined;

/** Set `key` unless it has a value already (first value wins), remembering where it was set. */
function setOnce<K extends keyof SshOptions>(key: K, value: SshOptions[K], where?: string): Apply {
  return (o) => {
    if (o[key] !== undefined) return;
    o[key] = value;
    if (where) o.origins.set(key, where);
  };
}
const other =
  (keyword: string, value: string[]): Apply =>
  (o) => {
    if (!o.other.has(keyword)) o.other.set(keyword, value);
  };

const flag = (key: keyof SshOptions): Parser => (a) => {
  const on = multistate(MULTISTATES.flag, a.next(), a.where) === 1;
  return setOnce(key, on as never);
};
const flagOther = (table: keyof typeof MULTISTATES): Parser => (a, l) => {
  const v = a.next();
  multistate(MULTISTATES[table], v, a.where);
  return other(l.keyword, [v!]);
};
const time = (key?: keyof SshOptions): Parser => (a, l) => {
  const v = a.required('missing time value.');
  if (v === 'none') return undefined; // -1 is OpenSSH's "unset": a later value still applies
  const n = convtime(v);
  if (n === -1) throw a.fail('invalid time value.');
  return key ? setOnce(key, n as never) : other(l.keyword, [v]);
};
const int = (key?: keyof SshOptions): Parser => (a, l) => {
  const v = a.next();
  const n = atoi(v);
  if (typeof n !== 'number') throw a.fail(`integer value ${n}.`);
  return key ? setOnce(key, n as never) : other(l.keyword, [v!]);
};
const string = (key?: keyof SshOptions, lower = false): Parser => (a, l) => {
  const v = a.required();
  return key ? setOnce(key, (lower ? v.toLowerCase() : v) as never) : other(l.keyword, [v]);
};
/** ProxyCommand, LocalCommand, ...: the rest of the line as written (after spaces and `=`). */
const command = (key?: keyof SshOptions): Parser => (a, l) => {
  a.all();
  const raw = l.rest.replace(/^[ \t\r\n=]*/, '');
  // ProxyJump sets ProxyCommand to none, so the two are first-match-wins between each other.
  return key ? setOnce(key, raw as never, a.where) : other(l.keyword, [raw]);
};
/** UserKnownHostsFile, GlobalKnownHostsFile, ...: all arguments, taken only when the list was empty. */
const stringArray = (key?: 'userKnownHostsFiles' | 'globalKnownHostsFiles' | 'canonicalDomains'): Parser => (a, l) => {
  const vals = a.all();
  vals.forEach((v, i) => {
    if (v === '') throw a.fail(`keyword ${l.keyword} empty argument`);
    if (v.toLowerCase() === 'none' && (i > 0 || vals.length > 1)) throw a.fail(`keyword ${l.keyword} "none" argument must appear alone.`);
  });
  if (!key) return other(l.keyword, vals);
  return (o) => {
    if (o[key] !== undefined || !vals.length) return;
    o[key] = vals;
    o.origins.set(key, a.where);
  };
};
const algorithms = (family: AlgorithmFamily, key: keyof SshOptions | undefined, message: (v: string) => string): Parser => (a, l) => {
  const v = a.required();
  if (!algorithmsValid(family, v)) throw a.fail(message(v));
  return key ? setOnce(key, v as never) : other(l.keyword, [v]);
};
/** IdentityAgent / ForwardAgent paths: `$NAME` and `${NAME}` must be well formed. */
function agentPath(a: Args, v: string): void {
  if (/\$\{(?![A-Za-z_][A-Za-z0-9_]*\})/.test(v) || /\$\{[^}]*$/.test(v)) throw a.fail(`Invalid environment expansion ${v}.`);
  if (v[0] === '$' && v[1] !== '{' && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.slice(1))) throw a.fail(`Invalid environment name ${v}.`);
}
const anyArgs: Parser = (a, l) => other(l.keyword, a.all());
const ignore: Parser = (a) => void a.all();

const PARSERS: Record<string, Parser> = {
  user: string('user'),
  hostname: (a) => setOnce('hostname', a.required(), a.where),
  port: (a) => {
    const v = a.required();
    const p = a2port(v);
    if (p <= 0) throw a.fail(`Bad port '${v}'.`);
    return setOnce('port', p);
  },
  identityfile: (a, _l, userConf) => {
    const v = a.required();
    return (o) => addFile(o.identityFiles, { path: v, source: userConf ? 'user-config' : 'system-config', where: a.where });
  },
  certificatefile: (a, _l, userConf) => {
    const v = a.required();
    return (o) => addFile(o.certificateFiles, { path: v, source: userConf ? 'user-config' : 'system-config', where: a.where });
  },
  identitiesonly: flag('identitiesOnly'),
  identityagent: (a) => {
    const v = a.required();
    agentPath(a, v);
    return setOnce('identityAgent', v, a.where);
  },
  forwardagent: (a) => {
    const v = a.required('missing argument.');
    const f = (MULTISTATES.flag as Record<string, number>)[v.toLowerCase()];
    if (f !== undefined) return setOnce('forwardAgent', f === 1);
    agentPath(a, v);
    return (o) => {
      if (o.forwardAgent === undefined) o.forwardAgent = true;
      if (o.forwardAgentPath === undefined) (o.forwardAgentPath = v), o.origins.set('forwardAgentPath', a.where);
    };
  },
  proxycommand: command('proxyCommand'),
  // parse_jump() as Debian's 9.2 has it (with upstream 0a0ef4515): `none` is compared
  // before the comment is cut (so `none # x` names a host "none"), and sets no ProxyCommand.
  proxyjump: (a, l) => {
    a.all();
    const spec = l.rest.replace(/^[ \t\r\n=]*/, '');
    if (spec.toLowerCase() === 'none') {
      return (o) => {
        if (o.jumpHost === undefined) Object.assign(o, { jumpHost: 'none', jumpPort: 0 });
      };
    }
    const s = spec.replace(/#.*$/, '').replace(/[ \t\r\n]+$/, '');
    const hops = s.split(',');
    const parsed = hops.map(parseHop);
    if (parsed.some((h) => h === null)) throw a.fail(`Invalid ProxyJump "${spec}"`);
    return (o) => {
      if (o.proxyCommand !== undefined || o.jumpHost !== undefined) return;
      const last = parsed[parsed.length - 1]!;
      Object.assign(o, { jumpHost: last.host, jumpUser: last.user, jumpPort: last.port, proxyCommand: 'none' });
      if (hops.length > 1) o.jumpExtra = hops.slice(0, -1).join(',');
    };
  },
  stricthostkeychecking: (a) => setOnce('strictHostKeyChecking', multistate(STRICT, a.next(), a.where)),
  userknownhostsfile: stringArray('userKnownHostsFiles'),
  globalknownhostsfile: stringArray('globalKnownHostsFiles'),
  connecttimeout: time('connectTimeout'),
  serveraliveinterval: time('serverAliveInterval'),
  serveralivecountmax: int('serverAliveCountMax'),
  hashknownhosts: flag('hashKnownHosts'),
  batchmode: flag('batchMode'),
  passwordauthentication: flag('passwordAuthentication'),
  kbdinteractiveauthentication: flag('kbdInteractiveAuthentication'),
  hostkeyalias: string('hostKeyAlias'),
  kexalgorithms: algorithms('kex', 'kexAlgorithms', (v) => `Bad SSH2 KexAlgorithms '${v}'.`),
  ciphers: algorithms('cipher', 'ciphers', (v) => `Bad SSH2 cipher spec '${v}'.`),
  macs: algorithms('mac', 'macs', (v) => `Bad SSH2 MAC spec '${v}'.`),
  hostkeyalgorithms: algorithms('key', 'hostKeyAlgorithms', (v) => `Bad key types '${v}'.`),
  casignaturealgorithms: algorithms('key', 'caSignatureAlgorithms', (v) => `Bad key types '${v}'.`),
  hostbasedacceptedalgorithms: algorithms('key', undefined, (v) => `Bad key types '${v}'.`),
  pubkeyacceptedalgorithms: algorithms('key', undefined, (v) => `Bad key types '${v}'.`),
  canonicalizehostname: (a) => setOnce('canonicalizeHostname', multistate(CANONICALIZE, a.next(), a.where)),
  canonicalizemaxdots: int('canonicalizeMaxDots'),
  canonicalizefallbacklocal: flag('canonicalizeFallbackLocal'),
  canonicaldomains: (a, l) => {
    const vals = a.all();
    stringArray()(new Args(vals, a.where), l, false);
    for (const v of vals) if (!/^[A-Za-z0-9._-]+$/.test(v) || /^[.-]|\.\.|-\.|\.-/.test(v)) throw a.fail(`domain name "${v}" contains invalid characters`);
    return (o) => void (o.canonicalDomains === undefined && vals.length && (o.canonicalDomains = vals));
  },
  canonicalizepermittedcnames: (a) => {
    const vals = a.all();
    const rules = vals.map((v, i) => {
      if (v.toLowerCase() === 'none') {
        if (i > 0 || vals.length > 1) throw a.fail(`keyword canonicalizepermittedcnames "none" argument must appear alone.`);
        return { source: 'none', target: '' };
      }
      if (v === '*') return { source: '*', target: '*' };
      const [source, target] = [v.slice(0, v.indexOf(':')), v.slice(v.indexOf(':') + 1)];
      if (!v.includes(':') || !target) throw a.fail(`Invalid permitted CNAME "${v.toLowerCase()}"`);
      return { source: source.toLowerCase(), target: target.toLowerCase() };
    });
    return (o) => void (o.permittedCnames === undefined && rules.length && (o.permittedCnames = rules));
  },
  ignoreunknown: string('ignoreUnknown'),
  // Keywords dpl checks as ssh does (a bad value is an error) but does not act on.
  forwardx11: flagOther('flag'), forwardx11trusted: flagOther('flag'), forwardx11timeout: time(), exitonforwardfailure: flagOther('flag'),
  xauthlocation: string(), gatewayports: flagOther('flag'), kbdinteractivedevices: string(), pubkeyauthentication: flagOther('pubkeyauth'),
  hostbasedauthentication: flagOther('flag'), gssapiauthentication: flagOther('flag'), gssapidelegatecredentials: flagOther('flag'),
  // Debian's and Red Hat's GSSAPI key exchange patch (their crypto policies set these):
  gssapikeyexchange: flagOther('flag'), gssapitrustdns: flagOther('flag'), gssapirenewalforcesrekey: flagOther('flag'),
  gssapiclientidentity: string(), gssapiserveridentity: string(), gssapikexalgorithms: string(),
  checkhostip: flagOther('flag'), verifyhostkeydns: flagOther('yesnoask'), compression: flagOther('compression'), tcpkeepalive: flagOther('flag'),
  nohostauthenticationforlocalhost: flagOther('flag'), numberofpasswordprompts: int(), preferredauthentications: string(), bindaddress: string(),
  bindinterface: string(), pkcs11provider: string(), securitykeyprovider: string(), knownhostscommand: command(), connectionattempts: int(),
  addressfamily: flagOther('addressfamily'), enablesshkeysign: flagOther('flag'), controlpath: string(), controlmaster: flagOther('controlmaster'),
  tunnel: flagOther('tunnel'), localcommand: command(), permitlocalcommand: flagOther('flag'), remotecommand: command(), visualhostkey: flagOther('flag'),
  requesttty: flagOther('requesttty'), sessiontype: flagOther('sessiontype'), stdinnull: flagOther('flag'), forkafterauthentication: flagOther('flag'),
  proxyusefdpass: flagOther('flag'), streamlocalbindunlink: flagOther('flag'), revokedhostkeys: string(), updatehostkeys: flagOther('yesnoask'),
  enableescapecommandline: flagOther('flag'), requiredrsasize: int('requiredRsaSize'), clearallforwardings: flagOther('flag'),
  sendenv: (a, l) => {
    const vals = a.all();
    if (vals.some((v) => v === '' || v.includes('='))) throw a.fail('Invalid environment name.');
    return other(l.keyword, vals);
  },
  setenv: (a, l) => {
    const vals = a.all();
    if (vals.some((v) => !v.includes('='))) throw a.fail('Invalid SetEnv.');
    return other(l.keyword, vals);
  },
  localforward: anyArgs, remoteforward: anyArgs, dynamicforward: anyArgs, permitremoteopen: anyArgs, logverbose: anyArgs,
  loglevel: anyArgs, syslogfacility: anyArgs, escapechar: anyArgs, ipqos: anyArgs, rekeylimit: anyArgs, controlpersist: anyArgs,
  tunneldevice: anyArgs, streamlocalbindmask: anyArgs, fingerprinthash: anyArgs, addkeystoagent: anyArgs,
};
const ALIASES: Record<string, string> = {
  identityfile2: 'identityfile', challengeresponseauthentication: 'kbdinteractiveauthentication', skeyauthentication: 'kbdinteractiveauthentication',
  tisauthentication: 'kbdinteractiveauthentication', dsaauthentication: 'pubkeyauthentication', keepalive: 'tcpkeepalive',
  hostbasedkeytypes: 'hostbasedacceptedalgorithms', pubkeyacceptedkeytypes: 'pubkeyacceptedalgorithms', smartcarddevice: 'pkcs11provider',
};
/** Deprecated or unsupported in OpenSSH 9.2: accepted and ignored, as ssh does. */
const IGNORED = new Set([
  'protocol', 'cipher', 'fallbacktorsh', 'globalknownhostsfile2', 'rhostsauthentication', 'userknownhostsfile2', 'useroaming', 'usersh',
  'useprivilegedport', 'afstokenpassing', 'kerberosauthentication', 'kerberostgtpassing', 'rsaauthentication', 'rhostsrsaauthentication', 'compressionlevel',
]);

/**
 * Check one setting line and return what it sets (undefined for ignored keywords).
 * An unknown keyword is returned as such: whether it is an error depends on the
 * IgnoreUnknown value in force when the line is evaluated.
 */
export function parseSetting(l: RawLine, userConf: boolean): Apply | { unknown: string } | undefined {
  const where = `${l.file} line ${l.line}`;
  const keyword = ALIASES[l.keyword] ?? l.keyword;
  const args = argvSplit(l.rest);
  if (args === null) throw new ConfigSyntaxError(`${where}: invalid quotes`);
  const a = new Args(args, where);
  if (IGNORED.has(keyword)) return ignore(a, l, userConf);
  const parser = PARSERS[keyword];
  if (!parser) return { unknown: l.keyword };
  const apply = parser(a, l, userConf);
  if (a.left > 0) throw a.fail(`keyword ${l.keyword} extra arguments at end of line`);
  return apply;
}

export function unknownKeyword(l: { file: string; line: number }, keyword: string): ConfigSyntaxError {
  return new ConfigSyntaxError(`${l.file}: line ${l.line}: Bad configuration option: ${keyword}`);
}

