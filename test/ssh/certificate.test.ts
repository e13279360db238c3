// The certificate parser and checks against certificates made by the real
// ssh-keygen, and the ways a blob can be wrong (OpenSSH's cert_parse rules).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkAuthority, checkHostCertificate, parseCertificate, validityText, type Certificate } from '../../src/ssh/certificate.js';
import { WireReader, verifySignature, wire } from '../../src/ssh/certificate-wire.js';

const dir = mkdtempSync(join(tmpdir(), 'dpl-cert-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function keygen(type: string, bits?: number): string {
  const path = join(dir, `k${n++}`);
  execFileSync('ssh-keygen', ['-q', '-t', type, ...(bits ? ['-b', String(bits)] : []), '-N', '', '-f', path]);
  return path;
}
const blobOf = (pubFile: string): Buffer => Buffer.from(readFileSync(pubFile, 'utf8').split(' ')[1]!, 'base64');

/** ssh-keygen -s: the certificate blob and the CA's and key's public blobs. */
function sign(o: { ca?: string; type?: string; host?: boolean; principals?: string; validity?: string; options?: string[]; sigAlg?: string } = {}) {
  const ca = o.ca ?? keygen('ed25519');
  const key = keygen(o.type ?? 'ed25519', o.type === 'rsa' ? 2048 : undefined);
  const args = ['-q', '-s', ca, '-I', 'unit', ...(o.host ? ['-h'] : []), ...(o.principals ? ['-n', o.principals] : []), ...(o.validity ? ['-V', o.validity] : [])];
  for (const opt of o.options ?? []) args.push('-O', opt);
  if (o.sigAlg) args.push('-t', o.sigAlg);
  execFileSync('ssh-keygen', [...args, `${key}.pub`]);
  return { cert: blobOf(`${key}-cert.pub`), ca: blobOf(`${ca}.pub`), key: blobOf(`${key}.pub`) };
}

const parsed = (blob: Buffer): Certificate => {
  const c = parseCertificate(blob);
  if ('error' in c) throw new Error(c.error);
  return c;
};

describe('parseCertificate', () => {
  it.each([
    ['ed25519', 'ed25519', undefined],
    ['ecdsa', 'ed25519', undefined],
    ['rsa', 'ed25519', undefined],
    ['ed25519', 'rsa', 'rsa-sha2-512'],
    ['ed25519', 'ecdsa', undefined],
  ] as const)('reads a %s key certified by a %s CA (%s) as ssh-keygen wrote it', (type, caType, sigAlg) => {
    const ca = keygen(caType, caType === 'rsa' ? 2048 : undefined);
    const s = sign({ ca, type, host: true, principals: 'a.example,b.example', validity: '20300101:20300102', ...(sigAlg ? { sigAlg } : {}) });
    const c = parsed(s.cert);
    expect(c.key.equals(s.key)).toBe(true);
    expect(c.caKey.equals(s.ca)).toBe(true);
    expect(c.kind).toBe('host');
    expect(c.keyId).toBe('unit');
    expect(c.principals).toEqual(['a.example', 'b.example']);
    expect(validityText(c)).toBe('from 2030-01-01T00:00:00Z to 2030-01-02T00:00:00Z');
    expect(c.signatureAlgorithm).toBe(sigAlg ?? ((caType as string) === 'ecdsa' ? 'ecdsa-sha2-nistp256' : (caType as string) === 'rsa' ? 'rsa-sha2-512' : 'ssh-ed25519'));
  });

  it('refuses a certificate whose signature does not verify, or with bytes after it', () => {
    const { cert } = sign();
    const tampered = Buffer.from(cert);
    tampered[tampered.length - 10]! ^= 1;
    expect(parseCertificate(tampered)).toEqual({ error: 'the CA signature does not verify' });
    // The key id is signed too.
    const r = new WireReader(cert);
    r.text();
    r.string();
    r.string();
    r.uint64();
    r.uint32();
    const at = r.offset + 4;
    const renamed = Buffer.from(cert);
    renamed[at] = renamed[at]! ^ 1;
    expect(parseCertificate(renamed)).toEqual({ error: 'the CA signature does not verify' });
    expect(parseCertificate(Buffer.concat([cert, Buffer.from([0])]))).toEqual({ error: 'trailing data after the certificate' });
    expect('error' in parseCertificate(cert.subarray(0, cert.length - 5))).toBe(true);
    expect(parseCertificate(wire('ssh-dss-cert-v01@openssh.com', 'x'))).toEqual({ error: 'unsupported certificate type ssh-dss-cert-v01@openssh.com' });
  });
});

describe('certificate checks (sshkey_cert_check_authority / _host)', () => {
  const now = 1_900_000_000n; // 2030-03-17
  it('host: kind, validity window (valid_after <= now < valid_before), exact principal, critical options, CA algorithm', () => {
    const host = parsed(sign({ host: true, principals: 'web.example', validity: '20300101:20300401' }).cert);
    expect(checkHostCertificate(host, 'web.example', undefined, now)).toBeNull();
    expect(checkHostCertificate(host, 'WEB.example', undefined, now)).toBe('Certificate invalid: name is not a listed principal');
    expect(checkHostCertificate(host, '*.example', undefined, now)).toBe('Certificate invalid: name is not a listed principal');
    expect(checkHostCertificate(host, 'web.example', undefined, host.validBefore)).toBe('Certificate invalid: expired');
    expect(checkHostCertificate(host, 'web.example', undefined, host.validBefore - 1n)).toBeNull();
    expect(checkHostCertificate(host, 'web.example', undefined, host.validAfter)).toBeNull();
    expect(checkHostCertificate(host, 'web.example', undefined, host.validAfter - 1n)).toBe('Certificate invalid: not yet valid');
    expect(checkHostCertificate(host, 'web.example', ['rsa-sha2-512'], now)).toBe('Certificate signed with disallowed algorithm');
    const user = parsed(sign({ principals: 'web.example' }).cert);
    expect(checkHostCertificate(user, 'web.example', undefined, now)).toBe('Certificate invalid: not a host certificate');
    const anyName = parsed(sign({ host: true }).cert);
    expect(checkHostCertificate(anyName, 'whatever', undefined, now)).toBeNull();
    const critical = parsed(sign({ host: true, options: ['critical:x@example.com=y'] }).cert);
    expect(critical.criticalOptions).toEqual(['x@example.com']);
    expect(checkHostCertificate(critical, 'whatever', undefined, now)).toBe('Certificate contains unsupported critical options');
  });

  it('user: kind and validity; extensions are read', () => {
    const user = parsed(sign({ principals: 'deploy', validity: '20300101:20300401' }).cert);
    expect(user.extensions).toContain('permit-agent-forwarding');
    expect(checkAuthority(user, 'user', null, now)).toBeNull();
    expect(checkAuthority(user, 'host', null, now)).toBe('Certificate invalid: not a host certificate');
  });

  it('an ssh-rsa (SHA-1) CA signature parses but is not allowed by default', () => {
    const ca = keygen('rsa', 2048);
    const c = parsed(sign({ ca, host: true, sigAlg: 'ssh-rsa' }).cert);
    expect(c.signatureAlgorithm).toBe('ssh-rsa');
    expect(checkHostCertificate(c, 'x', undefined, now)).toBe('Certificate signed with disallowed algorithm');
  });
});

describe('verifySignature', () => {
  it('checks the signature over the data, by the key given, under a name that fits the key', () => {
    const { cert, ca, key } = sign();
    // An ed25519 CA signature is the last field: string(string "ssh-ed25519", string 64 bytes) = 4 + 83 bytes.
    const sig = cert.subarray(cert.length - 83);
    const signed = cert.subarray(0, cert.length - 87);
    expect(verifySignature(ca, sig, signed)).toBe(true);
    expect(verifySignature(key, sig, signed)).toBe(false);
    expect(verifySignature(ca, sig, Buffer.concat([signed, Buffer.from([0])]))).toBe(false);
    const bytes = new WireReader(sig.subarray(15)).string();
    expect(verifySignature(ca, wire('ssh-rsa', bytes), signed)).toBe(false);
    expect(verifySignature(ca, Buffer.concat([sig, Buffer.from([0, 0, 0, 0])]), signed)).toBe(false);
  });
});
