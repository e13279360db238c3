// The only places dpl reaches into ssh2's internals: four for a measured cost on
// every login (50-host bench, Node 20, OpenSSH 9.2), and three for OpenSSH
// certificates, which ssh2 does not know (at the end). Each checks the shape it
// expects and leaves ssh2 alone when it differs. (loadSsh2 in connect.ts also
// requires ssh2's client modules by path.)
import type { KeyObject } from 'node:crypto';
import { nodeCrypto } from '../core/random.js';
import type { Client, ParsedKey } from 'ssh2';
import { CERT_SUFFIX } from './certificate.js';
import { hashForAlgorithm, rawPublicKey, wire } from './certificate-wire.js';

export { rawPublicKey };

/**
 * One of ssh2's own modules (or the package), required rather than imported:
 * ESM's import of CommonJS scans each module's source for its exports first.
 */
export function requireSsh2(path: string): unknown {
  return process.getBuiltinModule('node:module').createRequire(import.meta.url)(path);
}

/**
 * OpenSSH announces its host keys after login (hostkeys-00, for UpdateHostKeys).
 * ssh2 answers by asking the server to prove each key: the server signs with
 * every host key and the client checks each signature, ~2 ms of CPU per login on
 * both sides for a feature dpl does not use. Call right after client.connect().
 */
export function ignoreHostKeyNotices(client: Client): void {
  const handlers = (client as unknown as { _protocol?: { _handlers?: Record<string, unknown> } })._protocol?._handlers;
  const inner = handlers?.['GLOBAL_REQUEST'];
  if (typeof inner !== 'function') return;
  handlers!['GLOBAL_REQUEST'] = (proto: { requestFailure(): void }, name: string, wantReply: boolean, data: unknown): void => {
    if (name !== 'hostkeys-00@openssh.com') return inner(proto, name, wantReply, data);
    if (wantReply) proto.requestFailure();
  };
}

/**
 * ssh2 offers a key file's public half first and signs only after the server
 * says it would accept it: one more round trip, and one more authorized_keys
 * check on the server, per login. OpenSSH's client probes too; paramiko (Fabric)
 * does not. The signature is bound to this session, so sending it at once gives a
 * server nothing the probe would not. Agent keys keep the probe (a hardware key
 * would ask for a touch for every server that refuses it).
 */
export function signWithoutProbe(client: Client): void {
  type AuthPK = (user: string, key: ParsedKey, algo?: string, cbSign?: unknown) => void;
  const proto = (client as unknown as { _protocol?: { authPK?: AuthPK } })._protocol;
  const authPK = proto?.authPK;
  if (typeof authPK !== 'function') return;
  proto!.authPK = function (this: unknown, user, key, algo, cbSign) {
    if (cbSign !== undefined || typeof algo === 'function' || typeof key?.isPrivateKey !== 'function' || !key.isPrivateKey()) {
      return authPK.call(this, user, key, algo, cbSign);
    }
    const sign = (data: Buffer, done: (signature: Buffer) => void): void => {
      const signature = key.sign(data, hashForAlgorithm(algo));
      // As ssh2 does when signing after a probe: an authentication error, not a throw
      // (a throw here would surface as an unhandled rejection in the auth handler).
      if (signature instanceof Error) {
        client.emit('error', Object.assign(signature, { level: 'client-authentication', message: `Error signing data with key: ${signature.message}` }));
        return;
      }
      done(signature);
    };
    return authPK.call(this, user, key, algo, sign);
  };
}

// ssh2 hands the key's PEM text to crypto.sign for every signature, so OpenSSL 3
// decodes the PEM again each time: ~850 µs per ed25519 signature against ~50 µs
// with a KeyObject. A run that logs in to 50 hosts with one key decodes it once.

/** ssh2 keeps a key's default hash (null for ed25519) under this symbol. */
function defaultHash(key: ParsedKey): string | null | undefined {
  const sym = Object.getOwnPropertySymbols(key).find((s) => s.description === 'Hash Algorithm');
  return sym ? ((key as unknown as Record<symbol, string | null>)[sym] ?? null) : undefined;
}

/** Give `key` a sign() that reuses one decoded KeyObject; keys it cannot handle keep ssh2's own. */
export function withCachedSigner(key: ParsedKey): ParsedKey {
  const pem = key.getPrivatePEM();
  const hash = defaultHash(key);
  if (!pem || hash === undefined) return key;
  let object: KeyObject;
  try {
    object = nodeCrypto().createPrivateKey(pem);
  } catch {
    return key;
  }
  const fallback = key.sign.bind(key);
  key.sign = ((data: Buffer, algo?: string): Buffer | Error => {
    try {
      return nodeCrypto().sign(algo || hash, data, object);
    } catch {
      return fallback(data, algo);
    }
  }) as ParsedKey['sign'];
  return key;
}

// ssh2 checks the server's exchange-hash signature with the host key's PEM text,
// so OpenSSL 3 runs its whole decoder chain for every login: ~7% of dpl's CPU in
// a 50-host run (perf). A KeyObject imported from the key's own SSH encoding as
// a JWK skips that chain. Keys of other types keep ssh2's verify.

const PATCHED = Symbol('dpl: verify with raw keys');

/** Patch ssh2's shared key prototype (found through one parsed key) once per process. */
export function verifyWithRawKeys(parseKey: (data: string) => ParsedKey | ParsedKey[] | Error): void {
  const probe = parseKey('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl probe');
  const base = probe instanceof Error || Array.isArray(probe) ? undefined : (Object.getPrototypeOf(probe) as Record<PropertyKey, unknown>);
  const original = base?.['verify'];
  if (!base || base[PATCHED] || typeof original !== 'function' || typeof base['getPublicSSH'] !== 'function') return;
  base[PATCHED] = true;
  base['verify'] = function (this: ParsedKey, data: Buffer, signature: Buffer, algo?: string): boolean | Error {
    const hash = defaultHash(this);
    const key = hash === undefined ? undefined : rawPublicKey(this.getPublicSSH());
    if (!key) return original.call(this, data, signature, algo);
    try {
      return nodeCrypto().verify(algo || hash, data, key, signature);
    } catch {
      return original.call(this, data, signature, algo);
    }
  };
}

// OpenSSH certificates. ssh2 knows no *-cert-v01@openssh.com algorithm: it
// refuses them in `algorithms`, reads the server's host key by the negotiated
// name, and writes a key's own name into login signatures. When ssh2 is not
// shaped as below, nothing is changed: dpl then offers plain host keys and keys.

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
