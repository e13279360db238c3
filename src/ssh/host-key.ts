// Host key policy, as OpenSSH 9.2's check_host_key (sshconnect.c) decides it:
// known → connect; unknown → refuse (or record with accept-new); changed (any
// other plain key for the name, of any type) or revoked → refuse, loudly. A host
// certificate is accepted when a @cert-authority line for the name holds its CA
// and the certificate is valid for the host; otherwise its plain key is judged.
// A non-22 port is also looked up by the bare host name, read-only. Errors name
// the file and line and say how to proceed.
import { HostKeyError, type ErrorCode } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import { quote } from '../core/quote.js';
import { checkHostCertificate, isCertificateType, parseCertificate, validityText, DEFAULT_CA_SIGNATURE_ALGORITHMS, type Certificate } from './certificate.js';
import { WireReader } from './certificate-wire.js';
import { fingerprint, keyTypeOf, type KnownHostEntry, type KnownHostsStore } from './known-hosts.js';
import type {} from './events.js'; // the EventMap entries this file emits

export type HostKeyMode = 'strict' | 'accept-new' | 'off';

export interface HostKeyPolicy {
  display: string;
  /** The name known_hosts records for the host: HostKeyAlias, or `host` / `[host]:port`. */
  name: string;
  /** The name a host certificate must list: HostKeyAlias, or the host name (no port). */
  principal: string;
  /** The host name alone, also looked up (read-only) for a non-22 port without HostKeyAlias. */
  bareName?: string;
  mode: HostKeyMode;
  /** User files first: the first one is where accept-new writes. */
  userFiles: string[];
  globalFiles: string[];
  hashKnownHosts: boolean;
  /** CASignatureAlgorithms; OpenSSH's default when not given. */
  caSignatureAlgorithms?: string[];
  /** RequiredRSASize: smaller RSA host keys (certified ones too) are refused before anything else. */
  requiredRsaBits?: number;
  store: KnownHostsStore;
  events: EventBus;
}

export interface HostKeyVerifier {
  verify(key: Buffer, done: (ok: boolean) => void): void;
  /** Why the key was refused, once verify() said no. */
  readonly failure: HostKeyError | undefined;
  /** False when a changed or revoked key was let through (host key checking off): forward nothing to such a host. */
  readonly trusted: boolean;
  /** The plain key a host certificate blob certifies (undefined: not a valid certificate). */
  certifiedKey(blob: Buffer): Buffer | undefined;
}

type Verdict = { ok: true; trusted: boolean } | { ok: false; error: HostKeyError | null };

export function createHostKeyVerifier(p: HostKeyPolicy): HostKeyVerifier {
  const files = [...p.userFiles, ...p.globalFiles];
  const writeTo = p.userFiles[0];
  let failure: HostKeyError | undefined;
  let trusted = true;
  let presented: Certificate | undefined;
  // Debug traces of how a key was judged; what the user must know is an 'ssh.host-key' event.
  const log = (level: 'debug', message: string): void => p.events.emit('log', { host: p.display, level, message, topic: 'ssh' });
  const refuse = (code: ErrorCode, message: string, hint?: string): Verdict => ({ ok: false, error: new HostKeyError(p.display, message, { code, hint }) });
  const where = (e: KnownHostEntry): string => `${e.file} line ${e.line}`;

  /**
   * One pass of check_host_key for `name`: `key` is the plain key (a
   * certificate's own key when `cert` is given). `quiet` is the read-only lookup
   * by the bare host name: it only ever accepts a key that is already known.
   */
  const check = async (name: string, key: Buffer, cert: Certificate | undefined, quiet: boolean): Promise<Verdict> => {
    let certProblem: string | undefined;
    for (let c = cert; ; c = undefined) {
      const type = keyTypeOf(key);
      const found = await p.store.check(files, name, key, c?.caKey);
      // A known plain key, the common case, needs no fingerprint: it is only for messages.
      if (found.status === 'known' && !c) return { ok: true, trusted: true };
      const fp = fingerprint(key);
      let verdict: Verdict | undefined;
      switch (found.status) {
        case 'known': {
          if (!c) return { ok: true, trusted: true };
          const invalid = checkHostCertificate(c, p.principal, p.caSignatureAlgorithms ?? DEFAULT_CA_SIGNATURE_ALGORITHMS);
          if (!invalid) {
            if (!quiet) log('debug', `host certificate of ${name} (key ${fp}, id "${c.keyId}", valid ${validityText(c)}) is signed by the @cert-authority in ${where(found.entry)}`);
            return { ok: true, trusted: true };
          }
          certProblem = `the host certificate, signed by the @cert-authority in ${where(found.entry)}, is not valid for ${p.principal}: ${invalid}`;
          break;
        }
        case 'unknown': {
          if (p.bareName && !quiet && name !== p.bareName) {
            const bare = await check(p.bareName, key, c, true);
            if (bare.ok) {
              log('debug', `host key of ${name} found under ${p.bareName} (without the port)`);
              return bare;
            }
          }
          if (quiet) break;
          if (c) {
            certProblem ??= `no @cert-authority line for ${name} holds the CA of the host certificate (${fingerprint(c.caKey)})`;
            break;
          }
          if (p.mode === 'off') {
            // OpenSSH (StrictHostKeyChecking no) takes a new key as known; only changed or revoked ones lose trust.
            log('debug', `accepting unknown host key ${type} ${fp} for ${name} (host key checking is off)`);
            return { ok: true, trusted: true };
          }
          if (p.mode === 'accept-new' && writeTo) {
            await p.store.add(writeTo, name, key, p.hashKnownHosts);
            p.events.emit('ssh.host-key', { host: p.display, name, state: 'recorded', keyType: type, fingerprint: fp, file: writeTo });
            return { ok: true, trusted: true };
          }
          verdict = refuse(
            'hostkey.unknown',
            `unknown host key for ${name}: the server presented ${type} ${fp}, which is not in ${p.userFiles.join(', ') || 'any known_hosts file'}` +
              (certProblem ? ` (${certProblem})` : '') +
              `; refusing to connect (once verified, accept it with --accept-new-host-keys)`,
            (certProblem ? `have the host certificate re-issued or the @cert-authority line fixed; or ` : '') +
              `check that fingerprint with the host's administrator, then rerun with --accept-new-host-keys ` +
              `(or set "StrictHostKeyChecking accept-new" for this host in your ssh config) to record it` +
              (writeTo ? ` in ${writeTo}` : ''),
          );
          break;
        }
        case 'revoked': {
          const what = c ? `host certificate of ${name} (key ${type} ${fp}, CA ${fingerprint(c.caKey)})` : `host key ${type} ${fp} of ${name}`;
          const which = c && found.entry.key.equals(c.caKey) ? 'its CA is' : c ? 'its key is' : 'is';
          if (p.mode === 'off') {
            const certificate = c ? { ca: fingerprint(c.caKey), revoked: found.entry.key.equals(c.caKey) ? ('ca' as const) : ('key' as const) } : undefined;
            p.events.emit('ssh.host-key', { host: p.display, name, state: 'revoked', keyType: type, fingerprint: fp, entry: where(found.entry), ...(certificate ? { certificate } : {}) });
            return { ok: true, trusted: false };
          }
          // A revoked certificate is not retried as a plain key (OpenSSH neither).
          return refuse('hostkey.revoked', `${what}: ${which} marked @revoked in ${where(found.entry)}; refusing to connect`, 'the host must get a new host key; ask its administrator');
        }
        case 'changed': {
          if (quiet) break;
          const was = fingerprint(found.entry.key);
          if (p.mode === 'off') {
            p.events.emit('ssh.host-key', { host: p.display, name, state: 'changed', keyType: type, fingerprint: fp, was, entry: where(found.entry) });
            return { ok: true, trusted: false };
          }
          verdict = refuse(
            'hostkey.changed',
            `HOST KEY CHANGED for ${name}: possible man-in-the-middle attack (or the host was reinstalled).\n` +
              `The server presented ${type} ${fp}, but ${where(found.entry)} records ${was}. Refusing to connect.`,
            `only if you know why the key changed, remove the old entry with ssh-keygen -R ${quote(name)} -f ${quote(found.entry.file)} and connect again`,
          );
          break;
        }
      }
      // No certificate match: judge the certificate's plain key, as OpenSSH does.
      if (c) {
        if (!quiet) log('debug', `host certificate of ${name} not accepted (${certProblem}); checking its plain key`);
        continue;
      }
      return verdict ?? { ok: false, error: null };
    }
  };

  const decide = async (blob: Buffer): Promise<boolean> => {
    let cert: Certificate | undefined;
    const type = keyTypeOf(blob);
    if (isCertificateType(type)) {
      const parsed = parseCertificate(blob);
      if ('error' in parsed) {
        failure = new HostKeyError(p.display, `the host certificate ${type} of ${p.name} is invalid: ${parsed.error}; refusing to connect`, {
          hint: 'the host presents a broken certificate; ask its administrator',
        });
        return false;
      }
      presented = cert = parsed;
    }
    const bits = rsaBits(cert ? cert.key : blob);
    if (bits !== undefined && bits < (p.requiredRsaBits ?? 1024)) {
      failure = new HostKeyError(p.display, `the host key of ${p.name} is an RSA key of ${bits} bits, smaller than RequiredRSASize ${p.requiredRsaBits ?? 1024}; refusing to connect`, {
        hint: 'the host needs a larger RSA key (or an ed25519 one); lower RequiredRSASize only if you accept the risk',
      });
      return false;
    }
    const verdict = await check(p.name, cert ? cert.key : blob, cert, false);
    if (verdict.ok) {
      trusted = verdict.trusted;
      return true;
    }
    failure = verdict.error ?? new HostKeyError(p.display, `host key of ${p.name} not accepted`);
    return false;
  };

  return {
    verify(key, done) {
      decide(key).then(done, (err: Error) => {
        failure = new HostKeyError(p.display, `cannot check the host key of ${p.name}: ${err.message}`);
        done(false);
      });
    },
    get failure() {
      return failure;
    },
    get trusted() {
      return trusted;
    },
    certifiedKey(blob) {
      if (presented?.blob.equals(blob)) return presented.key;
      const parsed = parseCertificate(blob);
      return 'error' in parsed ? undefined : parsed.key;
    },
  };
}

/** The modulus size of an ssh-rsa key blob (string type, mpint e, mpint n); undefined for other keys. */
function rsaBits(blob: Buffer): number | undefined {
  try {
    const r = new WireReader(blob);
    if (r.text() !== 'ssh-rsa') return undefined;
    r.string();
    const n = r.string();
    const lead = n.findIndex((b) => b !== 0);
    return lead < 0 ? 0 : (n.length - lead) * 8 - Math.clz32(n[lead]!) + 24;
  } catch {
    return undefined;
  }
}
