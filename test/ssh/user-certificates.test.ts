// User certificates against a real sshd that trusts a user CA (TrustedUserCAKeys)
// and has no authorized_keys entry for the keys: CertificateFile, `<key>-cert.pub`
// beside the key, keys of each type, an encrypted key, a key held by ssh-agent,
// and an expired certificate. The real `ssh` logs in (or not) with the same files.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ConnectionError } from '../../src/core/errors.js';
import type { DplEvent } from '../../src/core/events.js';
import { certify, makeKey, reconfigureSshd, type MadeKey } from '../support/bed/certs.js';
import { bedHost, bedPool, bedTemp, describeBed, scratchHost, startAgent, waitFor, type BedInfo, type ScratchHost } from '../support/bed.js';
import { openssh } from '../helpers/openssh.js';

describeBed('user certificates', (bed: BedInfo) => {
  let host: ScratchHost;
  let dir: string;
  let ca: MadeKey;
  beforeAll(async () => {
    host = await scratchHost('usercert');
    dir = bedTemp('usercert-');
    ca = makeKey(join(dir, 'user_ca'));
    await reconfigureSshd(host, { lines: [`TrustedUserCAKeys ${ca.pub}`] });
  });
  afterAll(() => host.stop());

  /** A fresh key (not in any authorized_keys) and, unless told otherwise, its certificate beside it. */
  function userKey(name: string, o: { type?: 'ed25519' | 'rsa' | 'ecdsa'; validity?: string; principals?: string[]; passphrase?: string } = {}): { key: string; cert: string } {
    const k = makeKey(join(dir, name), { type: o.type ?? 'ed25519' });
    if (o.passphrase) execFileSync('ssh-keygen', ['-q', '-p', '-N', o.passphrase, '-f', k.key]);
    const cert = certify(ca, k.pub, { id: `dpl-test-${name}`, principals: o.principals ?? [bed.user], validity: o.validity ?? '-5m:+1h' });
    return { key: k.key, cert };
  }

  /** An ssh_config reaching the scratch host with these lines first (ssh keeps the first value) and no bed key. */
  function config(lines: string[]): string {
    const file = join(bedTemp('usercert-cfg-'), 'config');
    writeFileSync(
      file,
      [
        'Host usercert',
        `  HostName ${host.address}`,
        `  Port ${host.port}`,
        ...lines.map((l) => `  ${l}`),
        `  User ${bed.user}`,
        `  UserKnownHostsFile ${host.knownHostsFile}`,
        '  GlobalKnownHostsFile /dev/null',
        '  IdentitiesOnly yes',
        '  BatchMode yes',
        '  PasswordAuthentication no',
        '',
      ].join('\n'),
    );
    return file;
  }

  const authUsed = (seen: DplEvent[]): unknown => {
    const e = seen.find((x) => x.type === 'log' && x.message.startsWith('connected to'));
    return e && e.type === 'log' ? e.data?.['auth'] : undefined;
  };

  async function login(cfg: string, over: Parameters<typeof bedPool>[0] = {}): Promise<{ out: string | Error; seen: DplEvent[]; asked: number }> {
    const { pool, seen, prompter } = bedPool({ configFile: cfg, ...over });
    const out = await pool.get(bedHost('usercert')).then(
      async (t) => (await t.exec('id -un')).stdout,
      (e: Error) => e,
    );
    await pool.closeAll();
    return { out, seen, asked: prompter.asked.length };
  }

  it('the key alone is refused (no authorized_keys entry), by dpl and ssh', async () => {
    const { key, cert } = userKey('id_alone');
    const lone = join(dir, 'lone');
    mkdirSync(lone);
    copyFileSync(key, join(lone, 'id'));
    copyFileSync(`${key}.pub`, join(lone, 'id.pub'));
    expect(cert).toBe(`${key}-cert.pub`);
    const cfg = config([`IdentityFile ${join(lone, 'id')}`]);
    const { out } = await login(cfg);
    expect(out).toBeInstanceOf(ConnectionError);
    expect(openssh(cfg, 'usercert').code).toBe(255);
  });

  it.each(['ed25519', 'ecdsa', 'rsa'] as const)('logs in with <key>-cert.pub beside an %s key, as ssh does', async (type) => {
    const { key, cert } = userKey(`id_beside_${type}`, { type });
    const cfg = config([`IdentityFile ${key}`]);
    const { out, seen } = await login(cfg);
    expect(out).toBe(`${bed.user}\n`);
    expect(authUsed(seen)).toBe(`certificate ${cert}`);
    expect(openssh(cfg, 'usercert', { command: 'id -un' }).stdout).toBe(`${bed.user}\n`);
  });

  it('logs in with CertificateFile (the certificate kept elsewhere), as ssh does', async () => {
    const { key, cert } = userKey('id_certfile');
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    const moved = join(elsewhere, 'my.cert');
    copyFileSync(cert, moved);
    writeFileSync(cert, 'not a certificate\n'); // CertificateFile wins: the file beside the key is not read
    const cfg = config([`IdentityFile ${key}`, `CertificateFile ${moved}`]);
    const { out, seen } = await login(cfg);
    expect(out).toBe(`${bed.user}\n`);
    expect(authUsed(seen)).toBe(`certificate ${moved}`);
    expect(openssh(cfg, 'usercert').code).toBe(0);
  });

  it('an encrypted key asks its passphrase once, then logs in with its certificate', async () => {
    const { key, cert } = userKey('id_locked', { passphrase: 'cert pass' });
    const cfg = config([`IdentityFile ${key}`, 'BatchMode no']);
    const { out, seen, asked } = await login(cfg, { answers: { 'ssh.passphrase:': 'cert pass' } });
    expect(out).toBe(`${bed.user}\n`);
    expect(authUsed(seen)).toBe(`certificate ${cert}`);
    expect(asked).toBe(1);
  });

  it('CertificateFile with the key in ssh-agent: the agent signs, as with ssh', async () => {
    const { key, cert } = userKey('id_agentcert');
    const agent = await startAgent([key]);
    try {
      const cfg = config([`CertificateFile ${cert}`, `IdentityAgent ${agent.socket}`, 'IdentitiesOnly no']);
      const { out, seen } = await login(cfg);
      expect(out).toBe(`${bed.user}\n`);
      expect(authUsed(seen)).toBe(`certificate ${cert}`);
      expect(openssh(cfg, 'usercert', { agent: agent.socket }).code).toBe(0);
    } finally {
      await agent.stop();
    }
  });

  it('an expired certificate fails, saying it expired', async () => {
    const { key, cert } = userKey('id_expired', { validity: '20200101:20200102' });
    const cfg = config([`IdentityFile ${key}`]);
    const { out } = await login(cfg);
    expect(out).toBeInstanceOf(ConnectionError);
    const msg = (out as Error).message;
    expect(msg).toContain(`tried: key ${key}, certificate ${cert}`);
    expect(msg).toContain(`certificate ${cert} is not valid now (expired; valid from 2020-01-01T00:00:00Z to 2020-01-02T00:00:00Z)`);
    expect(openssh(cfg, 'usercert').code).toBe(255);
    expect(readFileSync(join(host.sshdDir, 'sshd.log'), 'utf8')).toContain('expired');
  });

  it('a certificate is read and checked once per run: a reconnect uses it as first read', async () => {
    const { key, cert } = userKey('id_cached');
    const { pool, seen } = bedPool({ configFile: config([`IdentityFile ${key}`]) });
    const t = await pool.get(bedHost('usercert'));
    expect((await t.exec('id -un')).stdout).toBe(`${bed.user}\n`);
    // Changed on disk mid-run: the run keeps what it read, as with identity files.
    writeFileSync(cert, 'not a certificate\n');
    const before = host.sessionPids();
    expect(before.length).toBeGreaterThan(0);
    for (const pid of before) process.kill(pid, 'SIGKILL');
    await waitFor(() => seen.some((e) => e.type === 'log' && /^connection to .* closed/.test(e.message)), 10_000);
    const again = await t.exec('id -un').then((r) => r.stdout, (e: Error) => e.message);
    await pool.closeAll();
    const logins = seen.flatMap((e) => (e.type === 'log' && e.message.startsWith('connected to') ? [e.data?.['auth']] : []));
    expect(again).toBe(`${bed.user}\n`);
    expect(logins).toEqual([`certificate ${cert}`, `certificate ${cert}`]);
  });

  it('a certificate for another user is refused by the server, as with ssh', async () => {
    const { key } = userKey('id_other', { principals: ['somebody-else'] });
    const cfg = config([`IdentityFile ${key}`]);
    const { out } = await login(cfg);
    expect(out).toBeInstanceOf(ConnectionError);
    expect(openssh(cfg, 'usercert').code).toBe(255);
  });
});
