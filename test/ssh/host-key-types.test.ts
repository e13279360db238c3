// Host keys as OpenSSH 9.2 judges them (sshconnect.c check_host_key, hostfile.c
// check_hostkeys_by_key_or_type): a host known by one key that shows a key of
// another type has CHANGED (what a man in the middle shows), also under
// accept-new and through a jump host; a host on a non-22 port is also looked up
// by its bare name, read-only; ssh-rsa (SHA-1) host keys need +ssh-rsa. Each
// case is checked against the real `ssh` with the same files.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError, HostKeyError } from '../../src/core/errors.js';
import { makeKey, reconfigureSshd } from '../support/bed/certs.js';
import { bedHost, bedPool, bedTemp, describeBed, scratchHost, type BedInfo, type ScratchHost } from '../support/bed.js';
import { openssh } from '../helpers/openssh.js';

/** An ssh_config: the bed's aliases plus `Host <alias>` blocks written by the test. */
function configFile(bed: BedInfo, blocks: string): string {
  const file = join(bedTemp('hkt-'), 'config');
  writeFileSync(file, `${blocks}\n${readFileSync(bed.configFile, 'utf8')}`);
  return file;
}

function block(alias: string, h: ScratchHost, knownHosts: string, lines: string[] = []): string {
  return [`Host ${alias}`, `  HostName ${h.address}`, `  Port ${h.port}`, `  UserKnownHostsFile ${knownHosts}`, '  GlobalKnownHostsFile /dev/null', ...lines.map((l) => `  ${l}`), ''].join('\n');
}

describeBed('a host key of another type', (bed) => {
  let host: ScratchHost;
  let ecdsaFp: string;
  let recorded: string;
  beforeAll(async () => {
    host = await scratchHost('typechange');
    // known_hosts records the ed25519 key; the server now shows only an ECDSA key.
    recorded = readFileSync(host.knownHostsFile, 'utf8');
    const ecdsa = makeKey(join(host.sshdDir, 'ssh_host_ecdsa_key'), { type: 'ecdsa' });
    ecdsaFp = ecdsa.fingerprint;
    await reconfigureSshd(host, { hostKeys: [ecdsa.key] });
  });
  afterAll(() => host.stop());

  const knownHostsCopy = (): string => {
    const file = join(bedTemp('hkt-kh-'), 'known_hosts');
    writeFileSync(file, recorded);
    return file;
  };

  const expectChanged = (err: unknown, display: string, file: string): void => {
    expect(err).toBeInstanceOf(HostKeyError);
    const msg = (err as Error).message;
    expect(err).toMatchObject({ host: display, code: 'hostkey.changed' });
    expect(msg).toMatch(/^HOST KEY CHANGED/);
    expect(msg).toContain(`HOST KEY CHANGED for ${host.knownHostsName}: possible man-in-the-middle attack`);
    expect(msg).toContain(`The server presented ecdsa-sha2-nistp256 ${ecdsaFp}, but ${file} line 1 records ${host.fingerprint}`);
    expect((err as HostKeyError).hint).toBe(
      `only if you know why the key changed, remove the old entry with ssh-keygen -R '${host.knownHostsName}' -f ${file} and connect again`,
    );
  };

  it.each([
    ['--accept-new-host-keys', { acceptNewHostKeys: true }, []],
    ['StrictHostKeyChecking accept-new', {}, ['StrictHostKeyChecking accept-new']],
    ['StrictHostKeyChecking no', {}, ['StrictHostKeyChecking no']],
  ] as const)('is refused as CHANGED under %s, and nothing is recorded', async (_name, options, lines) => {
    const kh = knownHostsCopy();
    const cfg = configFile(bed, block('typechange', host, kh, [...lines]));
    const { pool } = bedPool({ configFile: cfg, ...options });
    const err = await pool.get(bedHost('typechange')).catch((e: unknown) => e);
    await pool.closeAll();
    expectChanged(err, 'typechange', kh);
    expect(readFileSync(kh, 'utf8')).toBe(recorded);
  });

  it('is refused by the real ssh too (accept-new): REMOTE HOST IDENTIFICATION HAS CHANGED', () => {
    const kh = knownHostsCopy();
    const r = openssh(configFile(bed, block('typechange', host, kh)), 'typechange', { options: ['StrictHostKeyChecking=accept-new'] });
    expect(r.code).toBe(255);
    expect(r.stderr).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
    expect(readFileSync(kh, 'utf8')).toBe(recorded);
  });

  it('is refused as CHANGED through a jump host (ProxyJump), like ssh', async () => {
    const kh = knownHostsCopy();
    const cfg = configFile(bed, block('typechange-via', host, kh, ['ProxyJump bastion', 'StrictHostKeyChecking accept-new']));
    const { pool } = bedPool({ configFile: cfg });
    const err = await pool.get(bedHost('typechange-via')).catch((e: unknown) => e);
    await pool.closeAll();
    expectChanged(err, 'typechange-via', kh);
    expect(readFileSync(kh, 'utf8')).toBe(recorded);
    const r = openssh(cfg, 'typechange-via');
    expect(r.code).toBe(255);
    expect(r.stderr).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
    expect(readFileSync(kh, 'utf8')).toBe(recorded);
  });
});

describeBed('a host on a non-22 port known by its bare name', (bed) => {
  let host: ScratchHost;
  let key: string;
  beforeAll(async () => {
    host = await scratchHost('barename');
    key = readFileSync(host.knownHostsFile, 'utf8').trim().split(' ').slice(1).join(' ');
  });
  afterAll(() => host.stop());

  it('is accepted through the port-less entry, read-only, as ssh does ("checking without port identifier")', async () => {
    const kh = join(bedTemp('bare-'), 'known_hosts');
    const text = `${host.address} ${key}\n`;
    writeFileSync(kh, text);
    for (const lines of [[], ['StrictHostKeyChecking accept-new']]) {
      const cfg = configFile(bed, block('barename', host, kh, lines));
      const { pool } = bedPool({ configFile: cfg });
      const t = await pool.get(bedHost('barename'));
      expect((await t.exec('echo in')).stdout).toBe('in\n');
      await pool.closeAll();
      expect(readFileSync(kh, 'utf8')).toBe(text);
      expect(openssh(cfg, 'barename').code).toBe(0);
      expect(readFileSync(kh, 'utf8')).toBe(text);
    }
  });

  it('another key under the bare name is not a change: accept-new records [host]:port, strict refuses it as unknown', async () => {
    const kh = join(bedTemp('bare-'), 'known_hosts');
    const other = readFileSync(`${bed.keys.plain}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
    writeFileSync(kh, `${host.address} ${other}\n`);
    const strict = configFile(bed, block('barename', host, kh));
    const { pool } = bedPool({ configFile: strict });
    await expect(pool.get(bedHost('barename'))).rejects.toThrow(/unknown host key for \[/);
    expect(openssh(strict, 'barename').code).toBe(255);
    const lenient = configFile(bed, block('barename', host, kh, ['StrictHostKeyChecking accept-new']));
    const { pool: pool2 } = bedPool({ configFile: lenient });
    await pool2.get(bedHost('barename'));
    await pool2.closeAll();
    expect(readFileSync(kh, 'utf8').split('\n')[1]).toBe(`${host.knownHostsName} ${key}`);
    expect(openssh(lenient, 'barename').code).toBe(0);
  });
});

describeBed('ssh-rsa (SHA-1) host key signatures', (bed) => {
  let host: ScratchHost;
  beforeAll(async () => {
    host = await scratchHost('sha1');
    const rsa = makeKey(join(host.sshdDir, 'ssh_host_rsa_key'), { type: 'rsa', bits: 2048 });
    writeFileSync(host.knownHostsFile, `${host.knownHostsName} ${rsa.line}\n`);
    await reconfigureSshd(host, { hostKeys: [rsa.key], lines: ['HostKeyAlgorithms ssh-rsa'] });
  });
  afterAll(() => host.stop());

  it('are refused by default, like ssh 9.2, with a hint naming +ssh-rsa', async () => {
    const cfg = configFile(bed, block('sha1', host, host.knownHostsFile));
    const { pool } = bedPool({ configFile: cfg });
    const err = await pool.get(bedHost('sha1')).catch((e: unknown) => e);
    await pool.closeAll();
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toMatch(/no matching host key/);
    expect((err as ConnectionError).hint).toContain('HostKeyAlgorithms +ssh-rsa');
    const r = openssh(cfg, 'sha1');
    expect(r.code).toBe(255);
    expect(r.stderr).toContain('no matching host key type found');
  });

  it('are accepted with HostKeyAlgorithms +ssh-rsa, like ssh', async () => {
    const cfg = configFile(bed, block('sha1', host, host.knownHostsFile, ['HostKeyAlgorithms +ssh-rsa']));
    const { pool, seen } = bedPool({ configFile: cfg });
    const t = await pool.get(bedHost('sha1'));
    expect((await t.exec('echo in')).stdout).toBe('in\n');
    await pool.closeAll();
    const connected = seen.find((e) => e.type === 'log' && e.message.startsWith('connected to'));
    expect(connected && connected.type === 'log' ? connected.data?.['hostKeyAlgorithm'] : undefined).toBe('ssh-rsa');
    expect(openssh(cfg, 'sha1').code).toBe(0);
  });
});

describeBed('RequiredRSASize', (bed) => {
  let host: ScratchHost;
  beforeAll(async () => {
    host = await scratchHost('rsasize');
    const rsa = makeKey(join(host.sshdDir, 'ssh_host_rsa_key'), { type: 'rsa', bits: 2048 });
    writeFileSync(host.knownHostsFile, `${host.knownHostsName} ${rsa.line}\n`);
    await reconfigureSshd(host, { hostKeys: [rsa.key] });
  });
  afterAll(() => host.stop());

  it('an RSA host key smaller than RequiredRSASize is refused, as ssh refuses it; the default (1024) takes it', async () => {
    for (const [lines, connects] of [[['RequiredRSASize 3072'], false], [[], true]] as const) {
      const cfg = configFile(bed, block('rsasize', host, host.knownHostsFile, [...lines]));
      const { pool } = bedPool({ configFile: cfg });
      const got = await pool.get(bedHost('rsasize')).then(async (t) => (await t.exec('echo in')).stdout, (e: unknown) => e);
      await pool.closeAll();
      const r = openssh(cfg, 'rsasize');
      expect(r.code === 0, r.stderr).toBe(connects);
      if (connects) expect(got).toBe('in\n');
      else {
        expect(got).toBeInstanceOf(HostKeyError);
        expect((got as Error).message).toContain('2048 bits, smaller than RequiredRSASize 3072');
      }
    }
  });
});

describe('default algorithm lists', () => {
  it('offer no ssh-rsa host keys and no ssh-rsa CA signatures', async () => {
    const { loadCatalog } = await import('../../src/ssh/algorithms.js');
    const { DEFAULT_CA_SIGNATURE_ALGORITHMS } = await import('../../src/ssh/certificate.js');
    const c = await loadCatalog();
    expect(c.serverHostKey.defaults).not.toContain('ssh-rsa');
    expect(c.serverHostKey.supported).toContain('ssh-rsa');
    expect(DEFAULT_CA_SIGNATURE_ALGORITHMS).not.toContain('ssh-rsa');
    expect(DEFAULT_CA_SIGNATURE_ALGORITHMS).toContain('rsa-sha2-512');
  });
});

describeBed('a changed host key let through (insecureIgnoreHostKeys)', (bed) => {
  it.skipIf(!bed.sudo.passwordUser)('gets no password, as ssh (StrictHostKeyChecking no) disables password authentication', async () => {
    const pw = bed.sudo.passwordUser!;
    const cfg = join(bedTemp('hkt-pw-'), 'config');
    const hosts = ['web-0', 'imposter'].map((n) => `Host ${n}\n  HostName ${bed.hosts[n]!.address}\n  Port ${bed.hosts[n]!.port}\n`).join('');
    writeFileSync(cfg, `${hosts}Host *\n  User ${pw.name}\n  UserKnownHostsFile ${bed.knownHostsFile}\n  GlobalKnownHostsFile /dev/null\n  IdentityFile /nonexistent/key\n  PasswordAuthentication yes\n`);
    // Control: a verified host takes the password.
    const ok = bedPool({ configFile: cfg, answers: { 'ssh.password:': pw.password } });
    expect((await (await ok.pool.get(bedHost('web-0'))).exec('id -un')).stdout).toBe(`${pw.name}\n`);
    await ok.pool.closeAll();
    const { pool, prompter } = bedPool({ configFile: cfg, insecureIgnoreHostKeys: true, answers: { 'ssh.password:': pw.password } });
    const err = await pool.get(bedHost('imposter')).catch((e: unknown) => e);
    await pool.closeAll();
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toContain('password authentication is off: the host key was not verified');
    expect(prompter.asked).toEqual([]);
    const r = openssh(cfg, 'imposter', { options: ['StrictHostKeyChecking=no'] });
    expect(r.code).toBe(255);
    expect(r.stderr).toContain('Password authentication is disabled to avoid man-in-the-middle attacks');
  });
});
