// SSH wire encoding (RFC 4251 §5), public keys and signatures with node:crypto:
// what host and user certificates need and ssh2 does not offer. Signatures are
// judged as OpenSSH's sshkey_verify() judges them: the signature's algorithm must
// fit the key (ssh-rsa keys: ssh-rsa, rsa-sha2-256 or rsa-sha2-512; others their
// own name), RSA keys need 1024 bits, and nothing may trail the signature.
import type { KeyObject } from 'node:crypto';
import { nodeCrypto } from '../core/random.js';

export class WireError extends Error {}

/** Reads RFC 4251 fields; every read past the end throws a WireError. */
export class WireReader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}

  get offset(): number {
    return this.at;
  }
  get done(): boolean {
    return this.at === this.buf.length;
  }
  private take(n: number): Buffer {
    if (n < 0 || this.at + n > this.buf.length) throw new WireError('truncated');
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  uint32(): number {
    return this.take(4).readUInt32BE(0);
  }
  uint64(): bigint {
    return this.take(8).readBigUInt64BE(0);
  }
  string(): Buffer {
    return this.take(this.uint32());
  }
  /** A string that must be text without NUL, as OpenSSH's sshbuf_get_cstring. */
  text(): string {
    const b = this.string();
    if (b.includes(0)) throw new WireError('NUL in string');
    return b.toString('utf8');
  }
}

/** Length-prefixed strings, concatenated. */
export function wire(...parts: Array<Buffer | string>): Buffer {
  return Buffer.concat(
    parts.flatMap((p) => {
      const b = typeof p === 'string' ? Buffer.from(p) : p;
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      return [len, b];
    }),
  );
}

const CURVES: Record<string, { crv: string; hash: string; size: number }> = {
  nistp256: { crv: 'P-256', hash: 'sha256', size: 32 },
  nistp384: { crv: 'P-384', hash: 'sha384', size: 48 },
  nistp521: { crv: 'P-521', hash: 'sha512', size: 66 },
};

const unsigned = (b: Buffer): Buffer => (b.length > 1 && b[0] === 0 ? b.subarray(1) : b);

/** The public key in an SSH wire blob as a KeyObject, or undefined for types and shapes it does not know. */
export function rawPublicKey(blob: Buffer): KeyObject | undefined {
  try {
    const r = new WireReader(blob);
    const type = r.string().toString('latin1');
    const a = r.string();
    const b64 = (x: Buffer): string => x.toString('base64url');
    let jwk: Record<string, string> | undefined;
    if (type === 'ssh-ed25519') {
      if (a.length === 32) jwk = { kty: 'OKP', crv: 'Ed25519', x: b64(a) };
    } else if (type === 'ssh-rsa') {
      jwk = { kty: 'RSA', e: b64(unsigned(a)), n: b64(unsigned(r.string())) };
    } else {
      const curve = CURVES[a.toString('latin1')];
      const q = r.string();
      if (curve && type === `ecdsa-sha2-${a.toString('latin1')}` && q[0] === 4 && q.length === 1 + 2 * curve.size) {
        jwk = { kty: 'EC', crv: curve.crv, x: b64(q.subarray(1, 1 + curve.size)), y: b64(q.subarray(1 + curve.size)) };
      }
    }
    return jwk ? nodeCrypto().createPublicKey({ key: jwk, format: 'jwk' }) : undefined;
  } catch {
    return undefined;
  }
}

const RSA_HASH: Record<string, string> = { 'ssh-rsa': 'sha1', 'rsa-sha2-256': 'sha256', 'rsa-sha2-512': 'sha512' };

/** The hash a signature algorithm names (RSA's three), or undefined for the key's own (ed25519, ECDSA by curve). */
export const hashForAlgorithm = (alg: string | undefined): string | undefined => (alg ? RSA_HASH[alg] : undefined);

/** The algorithm named in an SSH signature blob, or undefined when it does not parse. */
export function signatureAlgorithm(signature: Buffer): string | undefined {
  try {
    return new WireReader(signature).text();
  } catch {
    return undefined;
  }
}

/**
 * Does `signature` (an SSH signature blob: string algorithm, string bytes) by the
 * key in `keyBlob` sign `data`? Unknown key types and malformed input are false.
 */
export function verifySignature(keyBlob: Buffer, signature: Buffer, data: Buffer): boolean {
  const key = rawPublicKey(keyBlob);
  if (!key) return false;
  let alg: string;
  let sig: Buffer;
  try {
    const r = new WireReader(signature);
    alg = r.text();
    sig = r.string();
    if (!r.done) return false;
  } catch {
    return false;
  }
  const keyType = new WireReader(keyBlob).text();
  const crypto = nodeCrypto();
  try {
    if (keyType === 'ssh-ed25519') return alg === keyType && sig.length === 64 && crypto.verify(null, data, key, sig);
    if (keyType === 'ssh-rsa') {
      const hash = RSA_HASH[alg];
      const bytes = Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
      if (!hash || bytes < 128 || sig.length > bytes) return false;
      // OpenSSH accepts signatures shorter than the modulus (leading zero bytes dropped).
      const padded = Buffer.concat([Buffer.alloc(bytes - sig.length), sig]);
      return crypto.verify(hash, data, key, padded);
    }
    const curve = CURVES[keyType.replace(/^ecdsa-sha2-/, '')];
    if (!curve || alg !== keyType) return false;
    const rs = new WireReader(sig);
    const [rr, ss] = [unsigned(rs.string()), unsigned(rs.string())];
    if (!rs.done || rr.length > curve.size || ss.length > curve.size) return false;
    const fixed = (x: Buffer): Buffer => Buffer.concat([Buffer.alloc(curve.size - x.length), x]);
    return crypto.verify(curve.hash, data, { key, dsaEncoding: 'ieee-p1363' }, Buffer.concat([fixed(rr), fixed(ss)]));
  } catch {
    return false;
  }
}

/** A DER ECDSA signature (what node:crypto and ssh2's sign() give) as SSH's mpint r, mpint s. */
export function ecdsaSignatureToSsh(der: Buffer): Buffer {
  // SEQUENCE { INTEGER r, INTEGER s }; short or long form lengths.
  let at = 0;
  const length = (): number => {
    const first = der[at++]!;
    if (first < 0x80) return first;
    let n = 0;
    for (let i = 0; i < (first & 0x7f); i++) n = (n << 8) | der[at++]!;
    return n;
  };
  const expect = (tag: number): void => {
    if (der[at++] !== tag) throw new WireError('not a DER ECDSA signature');
  };
  expect(0x30);
  length();
  const int = (): Buffer => {
    expect(0x02);
    const n = length();
    const v = der.subarray(at, at + n);
    at += n;
    return v;
  };
  // DER integers are already minimal two's complement: exactly SSH's mpint.
  return wire(int(), int());
}
