// Host certificates (@cert-authority in known_hosts), judged as OpenSSH 9.2's
// check_host_key and sshkey_cert_check_host judge them, against a real sshd with
// HostCertificate. Every case also runs the real `ssh` with the same ssh_config
// and known_hosts: dpl must connect exactly when ssh does.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HostKeyError } from '../../src/core/errors.js';
import type { DplEvent } from '../../src/core/events.js';
import { certify, makeKey, reconfigureSshd, type MadeKey } from '../support/bed/certs.js';
import { bedHost, bedPool, bedTemp, describeBed, scratchHost, type BedInfo, type ScratchHost } from '../support/bed.js';
import { openssh } from '../helpers/openssh.js';

interface Case {
  /** ssh-keygen -s options for the host certificate; null: the sshd shows no certificate. */
  cert: { ca: 'good' | 'other' | 'rsa'; principals?: string[]; validity?: string; user?: boolean; sigAlg?: string; options?: string[]; key?: 'ed25519' | 'rsa' | 'ecdsa' } | null;
  /** known_hosts lines; CA:<which>, KEY (the host key), with the host pattern first. */
  known: Array<[marker: '' | '@cert-authority' | '@revoked', pattern: string, key: 'good' | 'other' | 'rsa' | 'hostkey']>;
  /** HostKeyAlias (principals are checked against it). */
  alias?: string;
  strict?: 'accept-new';
  /** CASignatureAlgorithms for the host. */
  caSignatures?: string;
  /** connects with the certificate, connects with the plain key, or is refused */
  connects: 'cert' | 'plain' | false;
  /** What dpl's error says (refusals). */
  says?: RegExp;
}

describeBed('host certificates (@cert-authority)', (bed: BedInfo) => {
  let host: ScratchHost;
  let dir: string;
  const cas: Record<'good' | 'other' | 'rsa', MadeKey> = {} as never;
  const hostKeys: Record<'ed25519' | 'rsa' | 'ecdsa', MadeKey> = {} as never;
  beforeAll(async () => {
    host = await scratchHost('certhost');
    dir = bedTemp('hostcert-');
    cas.good = makeKey(join(dir, 'ca_good'));
    cas.other = makeKey(join(dir, 'ca_other'));
    cas.rsa = makeKey(join(dir, 'ca_rsa'), { type: 'rsa', bits: 2048 });
    hostKeys.ed25519 = { key: host.hostKeyFile, pub: `${host.hostKeyFile}.pub`, ...readKey(`${host.hostKeyFile}.pub`), fingerprint: host.fingerprint };
    hostKeys.rsa = makeKey(join(host.sshdDir, 'ssh_host_rsa_key'), { type: 'rsa', bits: 2048 });
    hostKeys.ecdsa = makeKey(join(host.sshdDir, 'ssh_host_ecdsa_key'), { type: 'ecdsa' });
  });
  afterAll(() => host.stop());

  function readKey(pub: string): { type: string; base64: string; line: string } {
    const [type, base64] = readFileSync(pub, 'utf8').trim().split(/\s+/);
    return { type: type!, base64: base64!, line: `${type} ${base64}` };
  }

  /** Restart the sshd with this case's host key and certificate; write its known_hosts and ssh_config. */
  async function arrange(c: Case): Promise<{ config: string; knownHosts: string }> {
    const hk = hostKeys[c.cert?.key ?? 'ed25519'];
    const certs: string[] = [];
    if (c.cert) {
      certs.push(
        certify(cas[c.cert.ca], hk.pub, {
          host: !c.cert.user,
          id: 'dpl-test-host',
          principals: c.cert.principals ?? [],
          ...(c.cert.validity ? { validity: c.cert.validity } : {}),
          ...(c.cert.sigAlg ? { sigAlg: c.cert.sigAlg } : {}),
          options: c.cert.options ?? [],
        }),
      );
    }
    await reconfigureSshd(host, { hostKeys: [hk.key], hostCertificates: certs });
    const caseDir = bedTemp('hostcert-case-');
    const knownHosts = join(caseDir, 'known_hosts');
    const keyLine = (k: Case['known'][number][2]): string => (k === 'hostkey' ? hk.line : cas[k].line);
    writeFileSync(knownHosts, c.known.map(([m, p, k]) => `${m ? `${m} ` : ''}${p} ${keyLine(k)}`).join('\n') + '\n');
    const config = join(caseDir, 'config');
    writeFileSync(
      config,
      [
        'Host certhost',
        `  HostName ${host.address}`,
        `  Port ${host.port}`,
        `  UserKnownHostsFile ${knownHosts}`,
        '  GlobalKnownHostsFile /dev/null',
        ...(c.alias ? [`  HostKeyAlias ${c.alias}`] : []),
        ...(c.strict ? [`  StrictHostKeyChecking ${c.strict}`] : ['  StrictHostKeyChecking yes']),
        ...(c.caSignatures ? [`  CASignatureAlgorithms ${c.caSignatures}`] : []),
        '',
        readFileSync(bed.configFile, 'utf8'),
      ].join('\n'),
    );
    return { config, knownHosts };
  }

  const connectedVia = (seen: DplEvent[]): unknown => {
    const e = seen.find((x) => x.type === 'log' && x.message.startsWith('connected to'));
    return e && e.type === 'log' ? e.data?.['hostKeyAlgorithm'] : undefined;
  };

  const addr = (): string => `[${host.address.split('.').slice(0, 3).join('.')}.*]:*`;
  const valid = { principals: ['certhost.example'], validity: '-5m:+1h' };

  const cases: Array<[string, () => Case]> = [
    ['a valid certificate for the HostKeyAlias, CA for *.example', () => ({ cert: { ca: 'good', ...valid }, known: [['@cert-authority', '*.example', 'good']], alias: 'certhost.example', connects: 'cert' })],
    ['a valid certificate for the address, CA for [127.0.10.*]:*', () => ({ cert: { ca: 'good', principals: [host.address] }, known: [['@cert-authority', addr(), 'good']], connects: 'cert' })],
    ['a certificate listing no principals (valid for any host)', () => ({ cert: { ca: 'good' }, known: [['@cert-authority', '*.example', 'good']], alias: 'certhost.example', connects: 'cert' })],
    ['an RSA host certificate (rsa-sha2-512-cert-v01)', () => ({ cert: { ca: 'good', key: 'rsa', ...valid }, known: [['@cert-authority', '*.example', 'good']], alias: 'certhost.example', connects: 'cert' })],
    ['an ECDSA host certificate signed by an RSA CA (rsa-sha2-512)', () => ({ cert: { ca: 'rsa', key: 'ecdsa', sigAlg: 'rsa-sha2-512', ...valid }, known: [['@cert-authority', '*.example', 'rsa']], alias: 'certhost.example', connects: 'cert' })],
    ['a certificate by another CA', () => ({ cert: { ca: 'other', ...valid }, known: [['@cert-authority', '*.example', 'good']], alias: 'certhost.example', connects: false, says: /no @cert-authority line for certhost\.example holds the CA of the host certificate/ })],
    ['an expired certificate', () => ({ cert: { ca: 'good', principals: valid.principals, validity: '20200101:20200102' }, known: [['@cert-authority', '*.example', 'good']], alias: 'certhost.example', connects: false, says: /Certificate invalid: expired/ })],
    ['a certificate not yet valid', () => ({ cert: { ca: 'good', principals: valid.principals, validity: '+1d:+2d' }, known: [['@cert-authority', '*.example', 'good']], alias: 'certhost.example', connects: false, says: /Certificate invalid: not yet valid/ })],
    ['a certificate for another name', () => ({ cert: { ca: 'good', principals: ['other.example'] }, known: [['@cert-authority', '*.example', 'good']], alias: 'certhost.example', connects: false, says: /name is not a listed principal/ })],
    ['a certificate for the address with the port in its principal', () => ({ cert: { ca: 'good', principals: [`[${host.address}]:${host.port}`] }, known: [['@cert-authority', addr(), 'good']], connects: false, says: /name is not a listed principal/ })],
    ['a user certificate shown as a host certificate', () => ({ cert: { ca: 'good', user: true, ...valid }, known: [['@cert-authority', '*.example', 'good']], alias: 'certhost.example', connects: false, says: /not a host certificate/ })],
    ['a certificate with a critical option', () => ({ cert: { ca: 'good', ...valid, options: ['critical:dpl-test@example.com=x'] }, known: [['@cert-authority', '*.example', 'good']], alias: 'certhost.example', connects: false, says: /unsupported critical options/ })],
    ['a certificate signed with ssh-rsa (SHA-1)', () => ({ cert: { ca: 'rsa', sigAlg: 'ssh-rsa', ...valid }, known: [['@cert-authority', '*.example', 'rsa']], alias: 'certhost.example', connects: false, says: /signed with disallowed algorithm/ })],
    ['a certificate signed with ssh-rsa, allowed by CASignatureAlgorithms +ssh-rsa', () => ({ cert: { ca: 'rsa', sigAlg: 'ssh-rsa', ...valid }, known: [['@cert-authority', '*.example', 'rsa']], alias: 'certhost.example', caSignatures: '+ssh-rsa', connects: 'cert' })],
    ['an ed25519 CA left out by CASignatureAlgorithms', () => ({ cert: { ca: 'good', ...valid }, known: [['@cert-authority', '*.example', 'good']], alias: 'certhost.example', caSignatures: 'rsa-sha2-512,rsa-sha2-256', connects: false, says: /signed with disallowed algorithm/ })],
    ['a CA marked @revoked', () => ({ cert: { ca: 'good', ...valid }, known: [['@cert-authority', '*.example', 'good'], ['@revoked', '*', 'good']], alias: 'certhost.example', connects: false, says: /its CA is marked @revoked/ })],
    ['a CA marked @revoked, even with accept-new', () => ({ cert: { ca: 'good', ...valid }, known: [['@cert-authority', '*.example', 'good'], ['@revoked', '*', 'good']], alias: 'certhost.example', strict: 'accept-new', connects: false, says: /its CA is marked @revoked/ })],
    ['a certificate whose key is marked @revoked', () => ({ cert: { ca: 'good', ...valid }, known: [['@cert-authority', '*.example', 'good'], ['@revoked', '*.example', 'hostkey']], alias: 'certhost.example', connects: false, says: /its key is marked @revoked/ })],
    ['no matching CA: the plain key in known_hosts is used', () => ({ cert: { ca: 'other', ...valid }, known: [['@cert-authority', '*.example', 'good'], ['', 'certhost.example', 'hostkey']], alias: 'certhost.example', connects: 'plain' })],
    ['an expired certificate whose plain key is known', () => ({ cert: { ca: 'good', principals: valid.principals, validity: '20200101:20200102' }, known: [['@cert-authority', '*.example', 'good'], ['', 'certhost.example', 'hostkey']], alias: 'certhost.example', connects: 'plain' })],
    ['an expired certificate under accept-new: its plain key is recorded, as ssh does', () => ({ cert: { ca: 'good', principals: valid.principals, validity: '20200101:20200102' }, known: [['@cert-authority', '*.example', 'good']], alias: 'certhost.example', strict: 'accept-new', connects: 'plain' })],
  ];

  it.each(cases)('%s', async (_name, make) => {
    const c = make();
    // dpl
    let files = await arrange(c);
    const before = readFileSync(files.knownHosts, 'utf8');
    const { pool, seen } = bedPool({ configFile: files.config });
    const got = await pool.get(bedHost('certhost')).then(
      async (t) => (await t.exec('echo in')).stdout,
      (e: unknown) => e,
    );
    await pool.closeAll();
    const dplAdded = readFileSync(files.knownHosts, 'utf8').slice(before.length);
    // ssh, on fresh copies of the same files
    files = await arrange(c);
    const r = openssh(files.config, 'certhost', { command: 'echo in' });
    const sshAdded = readFileSync(files.knownHosts, 'utf8').slice(before.length);
    expect(r.code === 0, `ssh: ${r.stderr}`).toBe(c.connects !== false);
    if (c.connects) {
      expect(got).toBe('in\n');
      // The certificate was negotiated either way; only a known CA makes it the reason.
      expect(connectedVia(seen)).toMatch(/-cert-v01@openssh\.com$/);
      const accepted = seen.some((e) => e.type === 'log' && /host certificate of .* is signed by the @cert-authority/.test(e.message));
      expect(accepted).toBe(c.connects === 'cert');
    } else {
      expect(got).toBeInstanceOf(HostKeyError);
      expect((got as Error).message).toMatch(c.says!);
    }
    // Whatever ssh records (the plain key, under accept-new), dpl records too.
    expect(dplAdded).toBe(sshAdded);
  });
});
