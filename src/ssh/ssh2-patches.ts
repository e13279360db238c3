// Where dpl reaches into ssh2's internals for speed: five patches for a measured
// cost on every login (50-host bench, Node 20, OpenSSH 9.2). The three for OpenSSH
// certificates, which ssh2 does not know, are in ssh2-certificates.ts. Each checks
// the shape it expects and leaves ssh2 alone when it differs. (loadSsh2 in
// ssh2-load.ts also requires ssh2's client modules by path.)
import type { KeyObject } from 'node:crypto';
import { nodeCrypto } from '../core/random.js';
import type { Client, ParsedKey } from 'ssh2';
import { hashForAlgorithm, rawPublicKey } from './certificate-wire.js';

export { rawPublicKey };

/**
 * One of ssh2's own modules (or the package), required rather than imported:
 * ESM's import of CommonJS scans each module's source for its exports first.
 */
export function requireSsh2(path: string): unknown {
  // Lazy caches: createRequire, and require's path resolution, cost ~60 µs per login (sendCertificates asks on each).
  let m = required.get(path);
  if (m === undefined) {
    requireFn ??= process.getBuiltinModule('node:module').createRequire(import.meta.url);
    m = requireFn(path);
    required.set(path, m);
  }
  return m;
}
let requireFn: NodeJS.Require | undefined;
const required = new Map<string, unknown>();

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

// ssh2 reads the server's host key for that check with its own key parser, which
// also writes the key out as PEM with an ASN.1 encoder in JS (0.04-0.08 ms a login
// at 1,000 hosts, issue #18) for a check that never reads it. kex.js binds keyParser's
// parseDERKey when it loads, so this runs before ssh2's client is required.

const PATCHED_DER = Symbol('dpl: host keys without PEM');

/** The hash a plain host key signs the exchange with when the exchange names none (rsa-sha2-* name theirs). */
const HOST_KEY_HASH: Record<string, string | null> = {
  'ssh-ed25519': null,
  'ecdsa-sha2-nistp256': 'sha256',
  'ecdsa-sha2-nistp384': 'sha384',
  'ecdsa-sha2-nistp521': 'sha512',
  'ssh-rsa': 'sha1',
};

type ParseDERKey = (data: Buffer, type: string) => ParsedKey | Error;

/**
 * keyParser's parseDERKey (the server's host key in a key exchange), for the key
 * types above: the key imported from its SSH encoding, and a verify() like the one
 * verifyWithRawKeys gives ssh2's keys. Other types, and keys it cannot import, keep
 * ssh2's parser. False when keyParser is not shaped so.
 */
export function hostKeysWithoutPem(keyParser: unknown): boolean {
  const kp = keyParser as { parseDERKey?: ParseDERKey; [PATCHED_DER]?: true } | undefined;
  const original = kp?.parseDERKey;
  if (!kp || typeof original !== 'function') return false;
  if (kp[PATCHED_DER]) return true;
  kp[PATCHED_DER] = true;
  kp.parseDERKey = (data: Buffer, type: string): ParsedKey | Error => {
    const hash = Object.hasOwn(HOST_KEY_HASH, type) ? HOST_KEY_HASH[type] : undefined;
    const key = hash === undefined || !Buffer.isBuffer(data) ? undefined : rawPublicKey(Buffer.concat([wireLength(type.length), Buffer.from(type, 'latin1'), data]));
    if (!key) return original(data, type);
    const verify = (signed: Buffer, signature: Buffer, algo?: string): boolean | Error => {
      try {
        return nodeCrypto().verify(algo || hash, signed, key, signature);
      } catch {
        const parsed = original(data, type);
        return parsed instanceof Error ? parsed : parsed.verify(signed, signature, algo as never);
      }
    };
    // The exchange only calls verify(); the type is there for messages.
    return { type, verify } as unknown as ParsedKey;
  };
  return true;
}

function wireLength(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
