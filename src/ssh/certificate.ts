// OpenSSH certificates (PROTOCOL.certkeys): parsed and checked by OpenSSH 9.2's
// rules (sshkey.c cert_parse, sshkey_cert_check_authority, sshkey_cert_check_host).
// A certificate that parses has a valid CA signature; whether the CA is trusted,
// and for which names, is known_hosts' business (host-key.ts).
import { WireError, WireReader, signatureAlgorithm, verifySignature, wire } from './certificate-wire.js';
import { OPENSSH_CA_SIGNATURE_DEFAULTS } from './openssh-lists.js';

export const CERT_SUFFIX = '-cert-v01@openssh.com';

/** Certificate key types and the plain key type each certifies (no DSA: OpenSSH 9.2 refuses those by default). */
const CERTIFIED: Record<string, string> = {
  'ssh-ed25519-cert-v01@openssh.com': 'ssh-ed25519',
  'ecdsa-sha2-nistp256-cert-v01@openssh.com': 'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384-cert-v01@openssh.com': 'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521-cert-v01@openssh.com': 'ecdsa-sha2-nistp521',
  'ssh-rsa-cert-v01@openssh.com': 'ssh-rsa',
};
/** The plain key types dpl reads certificates of. */
export const CERTIFIED_KEY_TYPES: ReadonlySet<string> = new Set(Object.values(CERTIFIED));

/** CA signature algorithms OpenSSH 9.2 accepts by default (CASignatureAlgorithms; no ssh-rsa since 8.2). */
export const DEFAULT_CA_SIGNATURE_ALGORITHMS = OPENSSH_CA_SIGNATURE_DEFAULTS;

const MAX_PRINCIPALS = 256;
const FOREVER = 0xffffffffffffffffn;

export interface Certificate {
  /** ssh-ed25519-cert-v01@openssh.com, ... */
  type: string;
  blob: Buffer;
  /** The certified key as a plain public key blob (what signs the key exchange or the login). */
  key: Buffer;
  serial: bigint;
  kind: 'user' | 'host';
  keyId: string;
  /** Empty: valid for any name. */
  principals: string[];
  validAfter: bigint;
  validBefore: bigint;
  criticalOptions: string[];
  extensions: string[];
  /** The CA's public key blob. */
  caKey: Buffer;
  /** The algorithm the CA signed with (rsa-sha2-512, ssh-ed25519, ...). */
  signatureAlgorithm: string;
}

export function isCertificateType(type: string): boolean {
  return type.endsWith(CERT_SUFFIX);
}

/** The certificate in `blob`, or the reason it is not one OpenSSH would load. */
export function parseCertificate(blob: Buffer): Certificate | { error: string } {
  try {
    const r = new WireReader(blob);
    const type = r.text();
    const plainType = CERTIFIED[type];
    if (!plainType) return { error: `unsupported certificate type ${type}` };
    r.string(); // nonce
    let key: Buffer;
    if (plainType === 'ssh-ed25519') {
      const pk = r.string();
      if (pk.length !== 32) return { error: 'malformed ed25519 key' };
      key = wire(plainType, pk);
    } else if (plainType === 'ssh-rsa') {
      const e = r.string();
      key = wire(plainType, e, r.string());
    } else {
      const curve = r.text();
      if (`ecdsa-sha2-${curve}` !== plainType) return { error: `curve ${curve} does not match ${type}` };
      key = wire(plainType, curve, r.string());
    }
    const serial = r.uint64();
    const kindNo = r.uint32();
    const keyId = r.text();
    const principalsField = new WireReader(r.string());
    const validAfter = r.uint64();
    const validBefore = r.uint64();
    const critical = pairs(r.string());
    const extensions = pairs(r.string());
    r.string(); // reserved
    const caKey = r.string();
    const signedLength = r.offset;
    const signature = r.string();
    if (!r.done) return { error: 'trailing data after the certificate' };
    if (kindNo !== 1 && kindNo !== 2) return { error: `unknown certificate type ${kindNo}` };
    const principals: string[] = [];
    while (!principalsField.done) {
      if (principals.length >= MAX_PRINCIPALS) return { error: 'too many principals' };
      principals.push(principalsField.text());
    }
    const caType = new WireReader(caKey).text();
    if (isCertificateType(caType) || !Object.values(CERTIFIED).includes(caType)) return { error: `invalid CA key type ${caType}` };
    if (!verifySignature(caKey, signature, blob.subarray(0, signedLength))) return { error: 'the CA signature does not verify' };
    return {
      type,
      blob,
      key,
      serial,
      kind: kindNo === 1 ? 'user' : 'host',
      keyId,
      principals,
      validAfter,
      validBefore,
      criticalOptions: critical,
      extensions,
      caKey,
      signatureAlgorithm: signatureAlgorithm(signature)!,
    };
  } catch (err) {
    if (err instanceof WireError) return { error: `malformed certificate (${err.message})` };
    throw err;
  }
}

/** Names of a critical options or extensions section (string name, string data)*. */
function pairs(section: Buffer): string[] {
  const r = new WireReader(section);
  const names: string[] = [];
  while (!r.done) {
    names.push(r.text());
    r.string();
  }
  return names;
}

const nowSeconds = (): bigint => BigInt(Math.floor(Date.now() / 1000));

/** sshkey_cert_check_authority: kind, validity window, principal (exact match; none listed = any). */
export function checkAuthority(cert: Certificate, want: 'user' | 'host', name: string | null, now = nowSeconds()): string | null {
  if (cert.kind !== want) return `Certificate invalid: not a ${want} certificate`;
  if (now < cert.validAfter) return 'Certificate invalid: not yet valid';
  if (now >= cert.validBefore) return 'Certificate invalid: expired';
  if (name !== null && cert.principals.length && !cert.principals.includes(name)) return 'Certificate invalid: name is not a listed principal';
  return null;
}

/** sshkey_cert_check_host: a host certificate for `host`, no critical options, an allowed CA signature algorithm. */
export function checkHostCertificate(cert: Certificate, host: string, caAlgorithms = DEFAULT_CA_SIGNATURE_ALGORITHMS, now = nowSeconds()): string | null {
  const authority = checkAuthority(cert, 'host', host, now);
  if (authority) return authority;
  if (cert.criticalOptions.length) return 'Certificate contains unsupported critical options';
  if (!caAlgorithms.includes(cert.signatureAlgorithm)) return 'Certificate signed with disallowed algorithm';
  return null;
}

/** "from <date> to <date>", "forever", ... as ssh-keygen -L words it (UTC). */
export function validityText(cert: Certificate): string {
  const at = (s: bigint): string => {
    const ms = Number(s) * 1000;
    return ms > 8.64e15 ? 'the year 275760' : new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
  };
  if (cert.validAfter === 0n && cert.validBefore === FOREVER) return 'forever';
  if (cert.validAfter === 0n) return `before ${at(cert.validBefore)}`;
  if (cert.validBefore === FOREVER) return `after ${at(cert.validAfter)}`;
  return `from ${at(cert.validAfter)} to ${at(cert.validBefore)}`;
}
