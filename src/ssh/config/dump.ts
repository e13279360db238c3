// `dpl ssh-config HOST` prints what dpl resolved in `ssh -G`'s words: the same
// keywords, value formats and order (dump_client_config()), for every keyword
// dpl acts on, so the two outputs can be compared line by line. Algorithm lists
// are dpl's own (what ssh2 can do), not OpenSSH's.
import type { Resolved } from './resolve.js';
import { at, expandPath } from './resolve.js';

export interface AlgorithmLists {
  kex: string[];
  serverHostKey: string[];
  cipher: string[];
  hmac: string[];
}

const yesNo = (v: boolean | undefined, dflt: boolean): string => ((v ?? dflt) ? 'yes' : 'no');
const flagOf = (v: string[] | undefined): boolean | undefined => (v ? /^(yes|true)$/i.test(v[0]!) : undefined);
const STRICT_WORD = { yes: 'true', no: 'false', ask: 'ask', 'accept-new': 'accept-new' } as const;
const CANON_WORD = { yes: 'true', no: 'false', always: 'always' } as const;

export function dumpConfig(r: Resolved, lists: AlgorithmLists): string[] {
  const o = r.options;
  const out: string[] = [];
  const put = (k: string, v: string | number | undefined): void => void (v !== undefined && out.push(`${k} ${v}`));
  put('host', r.alias);
  put('user', r.user);
  put('hostname', r.host);
  put('port', r.port);
  put('batchmode', yesNo(o.batchMode, false));
  put('canonicalizefallbacklocal', yesNo(o.canonicalizeFallbackLocal, true));
  put('canonicalizehostname', CANON_WORD[o.canonicalizeHostname ?? 'no']);
  put('checkhostip', yesNo(flagOf(o.other.get('checkhostip')), false));
  put('hashknownhosts', yesNo(o.hashKnownHosts, false));
  put('identitiesonly', yesNo(o.identitiesOnly, false));
  put('kbdinteractiveauthentication', yesNo(o.kbdInteractiveAuthentication, true));
  put('passwordauthentication', yesNo(o.passwordAuthentication, true));
  put('stricthostkeychecking', STRICT_WORD[o.strictHostKeyChecking ?? 'ask']);
  put('canonicalizemaxdots', o.canonicalizeMaxDots ?? 1);
  put('serveralivecountmax', o.serverAliveCountMax ?? 3);
  put('serveraliveinterval', o.serverAliveInterval ?? 0);
  put('requiredrsasize', o.requiredRsaSize ?? 1024);
  put('ciphers', lists.cipher.join(','));
  put('hostkeyalgorithms', lists.serverHostKey.join(','));
  put('hostkeyalias', o.hostKeyAlias);
  put('identityagent', o.identityAgent === undefined ? undefined : expandPath(o.identityAgent, r.tokens, at(o, 'identityAgent', 'IdentityAgent')));
  put('kexalgorithms', lists.kex.join(','));
  put('macs', lists.hmac.join(','));
  for (const f of o.identityFiles) put('identityfile', f.path);
  put('canonicaldomains', o.canonicalDomains?.length ? o.canonicalDomains.join(' ') : 'none');
  for (const f of o.certificateFiles) put('certificatefile', f.path);
  put('globalknownhostsfile', o.globalKnownHostsFiles!.length ? o.globalKnownHostsFiles!.join(' ') : 'none');
  put('userknownhostsfile', o.userKnownHostsFiles!.length ? o.userKnownHostsFiles!.join(' ') : 'none');
  put('forwardagent', o.forwardAgentPath !== undefined ? expandPath(o.forwardAgentPath, r.tokens, at(o, 'forwardAgentPath', 'ForwardAgent')) : yesNo(o.forwardAgent, false));
  put('connecttimeout', o.connectTimeout === undefined || o.connectTimeout < 0 ? 'none' : o.connectTimeout);
  if (o.jumpHost === undefined) put('proxycommand', o.proxyCommand);
  else {
    const numeric = o.jumpHost.includes(':') || /^[0-9.]+$/.test(o.jumpHost);
    const hop = `${o.jumpUser ? `${o.jumpUser}@` : ''}${numeric ? `[${o.jumpHost}]` : o.jumpHost}${o.jumpPort ? `:${o.jumpPort}` : ''}`;
    put('proxyjump', `${o.jumpExtra ? `${o.jumpExtra},` : ''}${hop}`);
  }
  return out;
}
