// The reaches into ssh2's internals: each must do its job on the ssh2 we ship,
// and leave ssh2 alone when the shape it expects is missing.
import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { hostKeysWithoutPem, ignoreHostKeyNotices, rawPublicKey, requireSsh2, signWithoutProbe, verifyWithRawKeys, withCachedSigner } from '../../src/ssh/ssh2-patches.js';

const ssh2 = createRequire(import.meta.url)('ssh2') as typeof import('ssh2');

/** A key as users have them: written by ssh-keygen in OpenSSH format. */
function opensshKey(type: 'ed25519' | 'rsa' | 'ecdsa', bits?: number): import('ssh2').ParsedKey {
  const dir = mkdtempSync(join(tmpdir(), 'dpl-sign-'));
  try {
    execFileSync('ssh-keygen', ['-q', '-t', type, ...(bits ? ['-b', String(bits)] : []), '-N', '', '-f', join(dir, 'k')]);
    const parsed = ssh2.utils.parseKey(readFileSync(join(dir, 'k')));
    if (parsed instanceof Error) throw parsed;
    return Array.isArray(parsed) ? parsed[0]! : parsed;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('withCachedSigner', () => {
  it.each(['ed25519', 'rsa'] as const)('%s: signatures still verify with ssh2’s own verify and with the public key', (type) => {
    const key = opensshKey(type);
    const data = Buffer.from('session id + userauth request');
    const before = key.sign(data, type === 'rsa' ? 'sha256' : undefined);
    withCachedSigner(key);
    const after = key.sign(data, type === 'rsa' ? 'sha256' : undefined);
    expect(after).toBeInstanceOf(Buffer);
    expect(key.verify(data, after, type === 'rsa' ? 'sha256' : undefined)).toBe(true);
    expect(verify(type === 'rsa' ? 'sha256' : null, data, key.getPublicPEM(), after)).toBe(true);
    if (type === 'ed25519') expect(after.equals(before)).toBe(true); // deterministic signatures
  });

  it('a key without a private half is left as it is', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const pub = ssh2.utils.parseKey(publicKey.export({ type: 'spki', format: 'pem' }) as string);
    if (pub instanceof Error) return;
    const k = Array.isArray(pub) ? pub[0]! : pub;
    const sign = k.sign;
    withCachedSigner(k);
    expect(k.sign).toBe(sign);
    expect(k.isPrivateKey()).toBe(false);
  });
});

describe('ignoreHostKeyNotices', () => {
  it('drops hostkeys-00 and passes every other global request through', () => {
    const seen: string[] = [];
    const proto = { failures: 0, requestFailure() { this.failures++; } };
    const client = { _protocol: { _handlers: { GLOBAL_REQUEST: (_p: unknown, name: string) => seen.push(name) } } };
    ignoreHostKeyNotices(client as never);
    const h = client._protocol._handlers.GLOBAL_REQUEST as (p: unknown, n: string, w: boolean, d: unknown) => void;
    h(proto, 'hostkeys-00@openssh.com', false, []);
    h(proto, 'hostkeys-00@openssh.com', true, []);
    h(proto, 'keepalive@openssh.com', true, null);
    expect(seen).toEqual(['keepalive@openssh.com']);
    expect(proto.failures).toBe(1);
  });

  it('does nothing when ssh2’s internals are not shaped as expected', () => {
    const client = { _protocol: undefined };
    expect(() => ignoreHostKeyNotices(client as never)).not.toThrow();
  });

  it('finds the handler on a real connecting ssh2 Client', () => {
    const c = new ssh2.Client();
    c.on('error', () => undefined);
    c.connect({ host: '127.0.0.1', port: 9, username: 'x', readyTimeout: 1000 });
    const handlers = (c as unknown as { _protocol: { _handlers: Record<string, unknown> } })._protocol._handlers;
    const original = handlers['GLOBAL_REQUEST'];
    ignoreHostKeyNotices(c);
    expect(typeof handlers['GLOBAL_REQUEST']).toBe('function');
    expect(handlers['GLOBAL_REQUEST']).not.toBe(original);
    c.destroy();
  });
});

describe('signWithoutProbe', () => {
  const calls: Array<{ algo?: string; signed: boolean; sig?: Buffer }> = [];
  const fakeClient = () => ({
    _protocol: {
      authPK(_user: string, _key: unknown, algo?: string, cbSign?: (data: Buffer, done: (s: Buffer) => void) => void) {
        if (!cbSign) return void calls.push({ algo, signed: false });
        cbSign(Buffer.from('to sign'), (sig) => calls.push({ algo, signed: true, sig }));
      },
    },
  });

  it('signs a private key at once with the hash of the negotiated algorithm', () => {
    calls.length = 0;
    const client = fakeClient();
    signWithoutProbe(client as never);
    const key = opensshKey('rsa');
    client._protocol.authPK('u', key, 'rsa-sha2-512');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ algo: 'rsa-sha2-512', signed: true });
    expect(verify('sha512', Buffer.from('to sign'), key.getPublicPEM(), calls[0]!.sig!)).toBe(true);
  });

  it('a key that cannot sign becomes a client-authentication error, not a throw', () => {
    calls.length = 0;
    const errors: Array<Error & { level?: string }> = [];
    const client = Object.assign(fakeClient(), { emit: (_e: string, err: Error) => errors.push(err) });
    signWithoutProbe(client as never);
    const key = opensshKey('ed25519');
    key.sign = (() => new Error('boom')) as never;
    expect(() => client._protocol.authPK('u', key, undefined)).not.toThrow();
    expect(calls).toEqual([]);
    expect(errors[0]).toMatchObject({ level: 'client-authentication', message: 'Error signing data with key: boom' });
  });

  it('leaves public-only keys (agent) and already-signing calls to ssh2', () => {
    calls.length = 0;
    const client = fakeClient();
    signWithoutProbe(client as never);
    const { publicKey } = generateKeyPairSync('ed25519');
    const pub = ssh2.utils.parseKey(publicKey.export({ type: 'spki', format: 'pem' }) as string);
    const k = Array.isArray(pub) ? pub[0]! : pub;
    if (!(k instanceof Error)) client._protocol.authPK('u', k, undefined);
    client._protocol.authPK('u', opensshKey('ed25519'), undefined, (_d: Buffer, done: (s: Buffer) => void) => done(Buffer.from('x')));
    expect(calls.map((c) => c.signed)).toEqual(k instanceof Error ? [true] : [false, true]);
  });
});

describe('verifyWithRawKeys', () => {
  const cases = [
    ['ed25519', undefined, undefined],
    ['rsa', undefined, 'sha256'],
    ['rsa', undefined, 'sha512'],
    ['ecdsa', 256, undefined],
    ['ecdsa', 384, undefined],
    ['ecdsa', 521, undefined],
  ] as const;

  it.each(cases)('%s %s (%s): the key from the SSH blob is the PEM key', (type, bits) => {
    const key = opensshKey(type, bits);
    const raw = rawPublicKey(key.getPublicSSH());
    expect(raw?.export({ format: 'jwk' })).toEqual(createPublicKey(key.getPublicPEM()).export({ format: 'jwk' }));
  });

  it.each(cases)('%s %s (%s): good signatures verify, bad ones do not', (type, bits, hash) => {
    verifyWithRawKeys(ssh2.utils.parseKey);
    const priv = opensshKey(type, bits);
    // What kex.js does: parse the host key from its SSH blob, then verify.
    const host = ssh2.utils.parseKey(priv.getPublicSSH()) as import('ssh2').ParsedKey;
    const data = Buffer.from('exchange hash');
    const sig = priv.sign(data, hash) as Buffer;
    expect(host.verify(data, sig, hash)).toBe(true);
    expect(host.verify(Buffer.from('another hash'), sig, hash)).toBe(false);
  });

  it('leaves blobs it does not know to ssh2', () => {
    const blob = Buffer.concat([Buffer.from([0, 0, 0, 7]), Buffer.from('ssh-dss'), Buffer.from([0, 0, 0, 1, 1])]);
    expect(rawPublicKey(blob)).toBeUndefined();
    expect(rawPublicKey(Buffer.from([0, 0, 0, 99, 1]))).toBeUndefined();
  });
});

describe('hostKeysWithoutPem', () => {
  type ParseDERKey = (data: Buffer, type: string) => import('ssh2').ParsedKey | Error;
  const keyParser = createRequire(import.meta.url)('ssh2/lib/protocol/keyParser.js') as { parseDERKey: ParseDERKey };
  /** What kex.js hands parseDERKey: the blob after its type name, and the name. */
  const split = (blob: Buffer): [Buffer, string] => {
    const n = blob.readUInt32BE(0);
    return [blob.subarray(4 + n), blob.subarray(4, 4 + n).toString('latin1')];
  };
  const cases = [
    ['ed25519', undefined, undefined],
    ['rsa', undefined, undefined], // ssh-rsa: SHA-1, the key's default
    ['rsa', undefined, 'sha256'],
    ['rsa', undefined, 'sha512'],
    ['ecdsa', 256, undefined],
    ['ecdsa', 384, undefined],
    ['ecdsa', 521, undefined],
  ] as const;

  it('patches keyParser once', () => {
    const before = keyParser.parseDERKey;
    expect(hostKeysWithoutPem(keyParser)).toBe(true);
    const patched = keyParser.parseDERKey;
    expect(hostKeysWithoutPem(keyParser)).toBe(true);
    expect(keyParser.parseDERKey).toBe(patched);
    if (before !== patched) expect(patched).not.toBe(before);
    expect(hostKeysWithoutPem({})).toBe(false);
    expect(hostKeysWithoutPem(undefined)).toBe(false);
  });

  it.each(cases)('%s %s (%s): the exchange’s host key takes good signatures only, and no PEM is made', (type, bits, hash) => {
    hostKeysWithoutPem(keyParser);
    const priv = opensshKey(type, bits);
    const host = keyParser.parseDERKey(...split(priv.getPublicSSH()));
    if (host instanceof Error) throw host;
    expect(typeof (host as { getPublicPEM?: unknown }).getPublicPEM).toBe('undefined');
    const data = Buffer.from('exchange hash');
    const sig = priv.sign(data, hash) as Buffer;
    expect(host.verify(data, sig, hash)).toBe(true);
    expect(host.verify(Buffer.from('another hash'), sig, hash)).toBe(false);
    // Signed by another key of the same type: refused.
    const other = opensshKey(type, bits).sign(data, hash) as Buffer;
    expect(host.verify(data, other, hash)).toBe(false);
  });

  it('leaves malformed keys and other types to ssh2’s parser', () => {
    hostKeysWithoutPem(keyParser);
    const short = Buffer.concat([Buffer.from([0, 0, 0, 31]), Buffer.alloc(31, 1)]);
    expect(keyParser.parseDERKey(short, 'ssh-ed25519')).toBeInstanceOf(Error);
    expect(keyParser.parseDERKey(Buffer.from([0, 0, 0, 1, 1]), 'ssh-unknown')).toBeInstanceOf(Error);
  });
});


describe('requireSsh2', () => {
  it("resolves a module's path once: a login asks for ssh2's packet writer every time", () => {
    const Module = process.getBuiltinModule('node:module') as unknown as { _resolveFilename: (...a: unknown[]) => string };
    const resolveFilename = Module._resolveFilename;
    let resolved = 0;
    Module._resolveFilename = function (this: unknown, ...a: unknown[]) {
      if (String(a[0]).startsWith('ssh2/lib/protocol/utils')) resolved++;
      return resolveFilename.apply(this, a);
    };
    try {
      const first = requireSsh2('ssh2/lib/protocol/utils.js') as { sendPacket?: unknown };
      for (let i = 0; i < 5; i++) expect(requireSsh2('ssh2/lib/protocol/utils.js')).toBe(first);
      expect(typeof first.sendPacket).toBe('function');
      expect(resolved).toBeLessThanOrEqual(1); // 6 without the cache; 0 when an earlier test already asked
    } finally {
      Module._resolveFilename = resolveFilename;
    }
  });
});
