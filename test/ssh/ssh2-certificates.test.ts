// The certificate reaches into ssh2: the login request they write, and that each
// leaves ssh2 alone when it is not shaped as expected. (That they work with the
// real ssh2 and sshd: host-certificates, user-certificates and hostile-host-
// certificates tests.)
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ParsedKey } from 'ssh2';
import { WireReader, verifySignature, wire } from '../../src/ssh/certificate-wire.js';
import { keySigner } from '../../src/ssh/certificate-auth.js';
import { acceptHostCertificates, certificateKey, sendCertificates } from '../../src/ssh/ssh2-certificates.js';

const ssh2 = createRequire(import.meta.url)('ssh2') as typeof import('ssh2');
const dir = mkdtempSync(join(tmpdir(), 'dpl-patch-cert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let made = 0;
function keyAndCert(type: 'ed25519' | 'ecdsa' | 'rsa'): { key: ParsedKey; cert: Buffer } {
  const ca = join(dir, `ca-${++made}`);
  const k = join(dir, `k-${made}`);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', ca]);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', k]);
  execFileSync('ssh-keygen', ['-q', '-s', ca, '-I', 'unit', '-n', 'deploy', `${k}.pub`]);
  const parsed = ssh2.utils.parseKey(readFileSync(k));
  if (parsed instanceof Error) throw parsed;
  return { key: Array.isArray(parsed) ? parsed[0]! : parsed, cert: Buffer.from(readFileSync(`${k}-cert.pub`, 'utf8').split(' ')[1]!, 'base64') };
}

/** Just enough of ssh2's client protocol for authPK and its packet writer. */
function fakeProtocol() {
  const sent: Buffer[] = [];
  const plain: unknown[][] = [];
  const proto = {
    _kex: { sessionID: Buffer.from('session-id-bytes') },
    _kexinit: undefined,
    _authsQueue: [] as string[],
    _packetRW: { write: { allocStart: 5, alloc: (n: number) => Buffer.alloc(5 + n), finalize: (p: Buffer) => p } },
    _cipher: { encrypt: (p: Buffer) => sent.push(p) },
    authPK: (...args: unknown[]) => void plain.push(args),
  };
  return { client: { _protocol: proto, emit: () => true }, proto, sent, plain };
}

describe('sendCertificates', () => {
  it.each([
    ['ed25519', undefined, 'ssh-ed25519'],
    ['ecdsa', undefined, 'ecdsa-sha2-nistp256'],
    ['rsa', 'rsa-sha2-512', 'rsa-sha2-512'],
  ] as const)('%s: names the request <alg>-cert-v01@openssh.com, the signature <alg>, and signs the session', async (type, algo, signedWith) => {
    const { key, cert } = keyAndCert(type);
    const { client, proto, sent, plain } = fakeProtocol();
    expect(sendCertificates(client as never)).toBe(true);
    (proto.authPK as (...a: unknown[]) => void)('deploy', certificateKey(key, { blob: cert, sign: keySigner(key) }), algo);
    await new Promise((r) => setTimeout(r, 10));
    expect(plain).toEqual([]);
    expect(proto._authsQueue).toEqual(['publickey']);
    const packet = sent[0]!.subarray(5);
    expect(packet[0]).toBe(50);
    const r = new WireReader(packet.subarray(1));
    expect([r.text(), r.text(), r.text()]).toEqual(['deploy', 'ssh-connection', 'publickey']);
    const flag = packet[1 + r.offset];
    expect(flag).toBe(1);
    const rest = new WireReader(packet.subarray(1 + r.offset + 1));
    expect(rest.text()).toBe(`${signedWith}-cert-v01@openssh.com`);
    expect(rest.string().equals(cert)).toBe(true);
    const signedPart = packet.subarray(0, 1 + r.offset + 1 + rest.offset);
    const signature = rest.string();
    expect(rest.done).toBe(true);
    expect(new WireReader(signature).text()).toBe(signedWith);
    expect(verifySignature(key.getPublicSSH(), signature, Buffer.concat([wire(proto._kex.sessionID), signedPart]))).toBe(true);
  });

  it('passes keys without a certificate to ssh2’s authPK', () => {
    const { key } = keyAndCert('ed25519');
    const { client, proto, sent, plain } = fakeProtocol();
    sendCertificates(client as never);
    (proto.authPK as (...a: unknown[]) => void)('deploy', key, undefined);
    expect(plain).toHaveLength(1);
    expect(sent).toEqual([]);
  });

  it('leaves ssh2 alone when it is not shaped as expected', () => {
    for (const broken of [{}, { _protocol: {} }, { _protocol: { authPK() {}, _authsQueue: [] } }, { _protocol: { authPK() {}, _packetRW: { write: { alloc() {}, finalize() {} } } } }]) {
      const before = (broken as { _protocol?: { authPK?: unknown } })._protocol?.authPK;
      expect(sendCertificates(broken as never)).toBe(false);
      expect((broken as { _protocol?: { authPK?: unknown } })._protocol?.authPK).toBe(before);
    }
  });
});

describe('acceptHostCertificates', () => {
  it('replaces the offer with one holding the certificate algorithms, on a real ssh2 client before its handshake', () => {
    const client = new ssh2.Client();
    const { PassThrough } = createRequire(import.meta.url)('node:stream') as typeof import('node:stream');
    const sock = new PassThrough();
    client.on('error', () => undefined);
    client.connect({ sock: sock as never, username: 'u', algorithms: { serverHostKey: ['ssh-ed25519'] } });
    const list = ['ssh-ed25519-cert-v01@openssh.com', 'ssh-ed25519'];
    expect(acceptHostCertificates(client, list, () => undefined)).toBe(true);
    const proto = (client as unknown as { _protocol: { _offer: { lists: { serverHostKey: { array: string[] }; kex: { array: string[] } } } } })._protocol;
    expect(proto._offer.lists.serverHostKey.array).toEqual(list);
    expect(proto._offer.lists.kex.array).toContain('ext-info-c');
    client.destroy();
    sock.destroy();
  });

  it('leaves ssh2 alone when it is not shaped as expected', () => {
    const offer = { constructor: Object, lists: { kex: { array: ['k'] } } };
    const list = { array: ['x'] };
    const dir = { cipher: list, mac: list, compress: list, lang: list };
    // Complete lists, but a plain object rather than ssh2's KexInit (no copyAllTo to write KEXINIT with).
    const plain = { lists: { kex: list, serverHostKey: list, cs: dir, sc: dir } };
    for (const broken of [{}, { _protocol: {} }, { _protocol: { _offer: offer, _kex: undefined } }, { _protocol: { _offer: { lists: {} } } }, { _protocol: { _offer: plain, _kex: undefined } }]) {
      const snapshot = JSON.stringify(broken);
      expect(acceptHostCertificates(broken as never, ['x'], () => undefined)).toBe(false);
      expect(JSON.stringify(broken)).toBe(snapshot);
    }
  });
});
