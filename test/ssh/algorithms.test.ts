// Algorithm lists from ssh config (KexAlgorithms & co.): unit tests of the pure logic,
// plus ssh2's real catalog (what this Node can negotiate).
import { describe, expect, it } from 'vitest';
import { algorithmsFor, applySpec, loadCatalog, type Catalog } from '../../src/ssh/algorithms.js';

const DEFAULTS = ['a-1', 'b-1', 'b-2', 'c-1'];
const SUPPORTED = [...DEFAULTS, 'old-1', 'old-2'];

describe('applySpec (OpenSSH list syntax)', () => {
  it('no value keeps the defaults', () => {
    expect(applySpec(undefined, DEFAULTS, SUPPORTED)).toBe(DEFAULTS);
    expect(applySpec('  ', DEFAULTS, SUPPORTED)).toBe(DEFAULTS);
  });

  it('a plain list replaces, in the order written, wildcards expanded, unsupported names dropped', () => {
    expect(applySpec('c-1,old-*,nope@openssh.com', DEFAULTS, SUPPORTED)).toEqual(['c-1', 'old-1', 'old-2']);
  });

  it('+ appends, - removes (with wildcards), ^ moves to the front', () => {
    expect(applySpec('+old-2,a-1', DEFAULTS, SUPPORTED)).toEqual([...DEFAULTS, 'old-2']);
    expect(applySpec('-b-*', DEFAULTS, SUPPORTED)).toEqual(['a-1', 'c-1']);
    expect(applySpec('^c-1,old-1', DEFAULTS, SUPPORTED)).toEqual(['c-1', 'old-1', 'a-1', 'b-1', 'b-2']);
  });

  it('a list of only unsupported names leaves nothing', () => {
    expect(applySpec('sntrup761x25519-sha512@openssh.com', DEFAULTS, SUPPORTED)).toEqual([]);
  });
});

describe('algorithmsFor', () => {
  const catalog: Catalog = {
    kex: { defaults: ['k1', 'k2'], supported: ['k1', 'k2', 'k3'] },
    serverHostKey: {
      defaults: ['ssh-ed25519-cert-v01@openssh.com', 'rsa-sha2-512-cert-v01@openssh.com', 'ssh-ed25519', 'ecdsa-sha2-nistp256', 'rsa-sha2-512'],
      supported: ['ssh-ed25519-cert-v01@openssh.com', 'rsa-sha2-512-cert-v01@openssh.com', 'ssh-ed25519', 'ecdsa-sha2-nistp256', 'rsa-sha2-512', 'ssh-rsa', 'ssh-dss'],
    },
    cipher: { defaults: ['c1'], supported: ['c1'] },
    hmac: { defaults: ['m1'], supported: ['m1'] },
  };
  const none = { types: [], certAuthority: false };

  it('puts host key algorithms for the key types known_hosts holds first (order_hostkeyalgs)', () => {
    const { algorithms, empty } = algorithmsFor({}, { types: ['ssh-rsa'], certAuthority: false }, catalog);
    expect(algorithms.serverHostKey).toEqual(['rsa-sha2-512-cert-v01@openssh.com', 'rsa-sha2-512', 'ssh-ed25519-cert-v01@openssh.com', 'ssh-ed25519', 'ecdsa-sha2-nistp256']);
    expect(algorithms.kex).toEqual(['k1', 'k2']);
    expect(empty).toEqual([]);
  });

  it('keeps the list as it is when the first algorithm’s key type is known, or nothing is', () => {
    expect(algorithmsFor({}, { types: ['ssh-ed25519', 'ssh-rsa'], certAuthority: false }, catalog).algorithms.serverHostKey).toEqual(catalog.serverHostKey.defaults);
    expect(algorithmsFor({}, none, catalog).algorithms.serverHostKey).toEqual(catalog.serverHostKey.defaults);
  });

  it('a matching @cert-authority puts every certificate algorithm first', () => {
    expect(algorithmsFor({}, { types: ['ecdsa-sha2-nistp256'], certAuthority: true }, catalog).algorithms.serverHostKey).toEqual([
      'ssh-ed25519-cert-v01@openssh.com',
      'rsa-sha2-512-cert-v01@openssh.com',
      'ecdsa-sha2-nistp256',
      'ssh-ed25519',
      'rsa-sha2-512',
    ]);
  });

  it('a HostKeyAlgorithms list (no + or -) is used exactly as written; + and - are still reordered', () => {
    const known = { types: ['ssh-rsa'], certAuthority: false };
    expect(algorithmsFor({ serverHostKey: 'ssh-ed25519,rsa-sha2-512' }, known, catalog).algorithms.serverHostKey).toEqual(['ssh-ed25519', 'rsa-sha2-512']);
    expect((algorithmsFor({ serverHostKey: '+ssh-rsa' }, known, catalog).algorithms.serverHostKey as string[]).slice(0, 3)).toEqual(['rsa-sha2-512-cert-v01@openssh.com', 'rsa-sha2-512', 'ssh-rsa']);
  });

  it('reports the kinds a config leaves empty', () => {
    expect(algorithmsFor({ kex: 'nope', hmac: '-m*' }, none, catalog).empty).toEqual(['kex', 'hmac']);
  });

  it('ssh2’s real catalog: ecdh-sha2-nistp256 first, curve25519 still offered', async () => {
    const real = await loadCatalog();
    expect(real.kex.defaults[0]).toBe('ecdh-sha2-nistp256');
    expect(real.kex.defaults).toContain('curve25519-sha256');
    expect(applySpec('^curve25519-sha256', real.kex.defaults, real.kex.supported)[0]).toBe('curve25519-sha256');
  });

  it('ssh2’s real catalog: OpenSSH 9.2’s host key order, certificates first, ssh-rsa only on request', async () => {
    const real = await loadCatalog();
    expect(real.serverHostKey.defaults).toEqual([
      'ssh-ed25519-cert-v01@openssh.com',
      'ecdsa-sha2-nistp256-cert-v01@openssh.com',
      'ecdsa-sha2-nistp384-cert-v01@openssh.com',
      'ecdsa-sha2-nistp521-cert-v01@openssh.com',
      'rsa-sha2-512-cert-v01@openssh.com',
      'rsa-sha2-256-cert-v01@openssh.com',
      'ssh-ed25519',
      'ecdsa-sha2-nistp256',
      'ecdsa-sha2-nistp384',
      'ecdsa-sha2-nistp521',
      'rsa-sha2-512',
      'rsa-sha2-256',
    ]);
    expect(applySpec('+ssh-rsa', real.serverHostKey.defaults, real.serverHostKey.supported).at(-1)).toBe('ssh-rsa');
    expect(real.serverHostKey.supported).toContain('ssh-rsa-cert-v01@openssh.com');
  });
});
