// Where dpl reaches into ssh2's internals for OpenSSH certificates (the speed
// patches are in ssh2-patches.ts). ssh2 knows no *-cert-v01@openssh.com algorithm:
// it refuses them in `algorithms`, reads the server's host key by the negotiated
// name, and writes a key's own name into login signatures. When ssh2 is not shaped
// as below, nothing is changed: dpl then offers plain host keys and keys.
import type { Client, ParsedKey } from 'ssh2';
import { CERT_SUFFIX } from './certificate.js';
import { hashForAlgorithm, wire } from './certificate-wire.js';
import { requireSsh2 } from './ssh2-patches.js';

interface KexLike {
  negotiated?: { serverHostKey?: unknown };
  parse?: unknown;
  finish?: unknown;
  _finished?: boolean;
  _hostKey?: unknown;
  sessionID?: unknown;
}
type NameList = { array?: unknown } | undefined;
interface ProtocolLike {
  _offer?: { constructor: unknown; copyAllTo?: unknown; lists?: { kex?: NameList; serverHostKey?: NameList; cs?: Record<string, NameList>; sc?: Record<string, NameList> } };
  _kex?: KexLike;
  authPK?: unknown;
  _authsQueue?: unknown;
  _packetRW?: { write?: { alloc?: unknown; finalize?: unknown; allocStart?: unknown } };
}
const protocolOf = (client: Client): ProtocolLike | undefined => (client as unknown as { _protocol?: ProtocolLike })._protocol;

/**
 * Offer `list` as the host key algorithms, certificate ones included, and let the
 * key exchange check a certificate host key's signature with the key it
 * certifies (`certifiedKey`: the plain key blob in a certificate blob, or
 * undefined). Call right after client.connect(), before the server's KEXINIT
 * arrives. False, with nothing changed, when ssh2 is not shaped for it.
 */
export function acceptHostCertificates(client: Client, list: string[], certifiedKey: (cert: Buffer) => Buffer | undefined): boolean {
  const proto = protocolOf(client);
  const offer = proto?._offer;
  const l = offer?.lists;
  const names = (e: NameList): string[] | undefined => (Array.isArray(e?.array) ? (e!.array as string[]) : undefined);
  const direction = (d: Record<string, NameList> | undefined) => {
    const out = { cipher: names(d?.['cipher']), mac: names(d?.['mac']), compress: names(d?.['compress']), lang: names(d?.['lang']) };
    return Object.values(out).every(Boolean) ? out : undefined;
  };
  const [kex, cs, sc] = [names(l?.kex), direction(l?.cs), direction(l?.sc)];
  if (!proto || !offer || typeof offer.constructor !== 'function' || typeof offer.copyAllTo !== 'function') return false;
  if (!kex || !names(l?.serverHostKey) || !cs || !sc) return false;
  if (!('_kex' in proto) || proto._kex !== undefined) return false;
  let next: ProtocolLike['_offer'];
  try {
    // The KexInit class ssh2 built its own offer with; its kex list already holds ssh2's extension names.
    next = new (offer.constructor as new (o: object) => NonNullable<ProtocolLike['_offer']>)({ kex, serverHostKey: list, cs, sc });
  } catch {
    return false;
  }
  if (Object.getPrototypeOf(next) !== Object.getPrototypeOf(offer)) return false;
  proto._offer = next;
  let current: KexLike | undefined;
  Object.defineProperty(proto, '_kex', {
    configurable: true,
    enumerable: true,
    get: () => current,
    set: (k: KexLike | undefined) => {
      current = k;
      if (k && typeof k === 'object') certificateExchange(k, certifiedKey);
    },
  });
  return true;
}

/** One key exchange (ssh2 makes one per KEXINIT) that negotiated a certificate algorithm. */
function certificateExchange(kex: KexLike, certifiedKey: (cert: Buffer) => Buffer | undefined): void {
  const n = kex.negotiated;
  const alg = n?.serverHostKey;
  const { parse, finish } = kex;
  if (!n || typeof alg !== 'string' || !alg.endsWith(CERT_SUFFIX) || typeof parse !== 'function' || typeof finish !== 'function') return;
  const signedWith = alg.slice(0, -CERT_SUFFIX.length); // rsa-sha2-512, ssh-ed25519, ...
  const keyType = signedWith.startsWith('rsa-sha2-') ? `ssh-rsa${CERT_SUFFIX}` : alg;
  const as = <T>(name: string, run: () => T): T => {
    const was = n.serverHostKey;
    n.serverHostKey = name;
    try {
      return run();
    } finally {
      n.serverHostKey = was;
    }
  };
  // ssh2 compares K_S's type with the negotiated name; the three RSA names share one certificate type.
  kex.parse = function (this: KexLike, ...args: unknown[]) {
    return as(keyType, () => (parse as (...a: unknown[]) => unknown).apply(this, args));
  };
  // finish() hashes K_S (the certificate) into the exchange hash, then reads it
  // again for the key that checks the server's signature, whose type must be the
  // negotiated name. So the first read gets the certificate, later ones the key it
  // certifies, and the name is the plain signature algorithm. Any other order in a
  // future ssh2 fails the signature check: closed, not open.
  kex.finish = function (this: KexLike, ...args: unknown[]) {
    const cert = this._hostKey;
    const plain = !this._finished && Buffer.isBuffer(cert) ? certifiedKey(cert) : undefined;
    if (!plain) return (finish as (...a: unknown[]) => unknown).apply(this, args);
    let value: unknown = cert;
    let reads = 0;
    Object.defineProperty(this, '_hostKey', {
      configurable: true,
      enumerable: true,
      get: () => (value === cert && reads++ > 0 ? plain : value),
      set: (v: unknown) => (value = v),
    });
    try {
      return as(signedWith, () => (finish as (...a: unknown[]) => unknown).apply(this, args));
    } finally {
      Object.defineProperty(this, '_hostKey', { configurable: true, enumerable: true, writable: true, value });
    }
  };
}

const CERTIFICATE = Symbol('dpl: user certificate');

interface CertificateLogin {
  blob: Buffer;
  /** The signature bytes (SSH encoding, no algorithm name) of `data` with `algorithm`. */
  sign(data: Buffer, algorithm: string): Promise<Buffer>;
}

/**
 * `key` (a private key, or an agent's public key) logging in with a certificate:
 * ssh2 treats it as `key`, and sendCertificates() sends the certificate.
 */
export function certificateKey(key: ParsedKey, login: CertificateLogin): ParsedKey {
  return Object.create(key, { [CERTIFICATE]: { value: login } }) as ParsedKey;
}

/**
 * ssh2 names the signature after the public key algorithm; a certificate login
 * names the request `<alg>-cert-v01@openssh.com` and the signature `<alg>`
 * (sshkey_sigalg_by_name), so dpl writes that request itself, with ssh2's own
 * packet writer. Signed at once, as signWithoutProbe() does for keys. Call after
 * signWithoutProbe(). False, with nothing changed, when ssh2 is not shaped for it.
 */
export function sendCertificates(client: Client): boolean {
  const proto = protocolOf(client);
  const authPK = proto?.authPK;
  const write = proto?._packetRW?.write;
  let sendPacket: unknown;
  try {
    sendPacket = (requireSsh2('ssh2/lib/protocol/utils.js') as { sendPacket?: unknown }).sendPacket;
  } catch {
    return false;
  }
  if (typeof authPK !== 'function' || typeof sendPacket !== 'function' || typeof write?.alloc !== 'function' || typeof write.finalize !== 'function') return false;
  if (!Array.isArray(proto!._authsQueue)) return false;
  proto!.authPK = function (this: ProtocolLike, user: string, key: ParsedKey & { [CERTIFICATE]?: CertificateLogin }, algo?: unknown, ...rest: unknown[]) {
    const login = key?.[CERTIFICATE];
    if (!login) return authPK.call(this, user, key, algo, ...rest);
    const signedWith = typeof algo === 'string' && algo ? algo : key.type; // ssh2 picks rsa-sha2-* for RSA keys
    const session = this._kex?.sessionID;
    const fail = (message: string): void => {
      client.emit('error', Object.assign(new Error(message), { level: 'client-authentication' }));
    };
    if (!Buffer.isBuffer(session)) return fail('no session id for the certificate login');
    const request = Buffer.concat([Buffer.from([50]), wire(user, 'ssh-connection', 'publickey'), Buffer.from([1]), wire(signedWith + CERT_SUFFIX, login.blob)]);
    login.sign(Buffer.concat([wire(session), request]), signedWith).then(
      (signature) => {
        const payload = Buffer.concat([request, wire(wire(signedWith, signature))]);
        const w = this._packetRW!.write! as { alloc(n: number): Buffer; finalize(p: Buffer): Buffer; allocStart: number };
        const start = w.allocStart;
        const packet = w.alloc(payload.length);
        payload.copy(packet, start);
        (this._authsQueue as string[]).push('publickey');
        (sendPacket as (p: unknown, packet: Buffer) => void)(this, w.finalize(packet));
      },
      (err: Error) => fail(`Error signing data with key: ${err.message}`),
    );
  };
  return true;
}
