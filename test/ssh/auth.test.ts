// Authentication against the bed: identity files, ssh-agent, an encrypted key
// (passphrase asked once per run), password login (asked once), clear failures.
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError } from '../../src/core/errors.js';
import type { DplEvent } from '../../src/core/events.js';
import { addressHost, bedHost, bedPool, bedTemp, describeBed, startAgent, type BedInfo } from '../support/bed.js';

/** The auth method from the pool's "connected to ... (method)" debug log. */
function authUsed(seen: DplEvent[], host: string): string | undefined {
  const e = seen.find((x) => x.type === 'log' && x.host === host && x.message.startsWith('connected to'));
  return e && e.type === 'log' ? (e.data?.['auth'] as string) : undefined;
}

/** An ssh_config without the bed's IdentityFile: `Host *` with just these lines. */
function configWith(bed: BedInfo, lines: string[]): string {
  const dir = bedTemp('auth-');
  const file = join(dir, 'config');
  writeFileSync(file, ['Host *', `  UserKnownHostsFile ${bed.knownHostsFile}`, ...lines.map((l) => `  ${l}`), ''].join('\n'));
  return file;
}

describeBed('ssh authentication', (bed) => {
  const hosts = ['web-0', 'web-1', 'web-2'].map((n) => addressHost(bed.hosts[n]!));

  it('uses the IdentityFile from the ssh config', async () => {
    const { pool, seen } = bedPool();
    await (await pool.get(bedHost('web-0'))).exec('true');
    expect(authUsed(seen, 'web-0')).toBe(`key ${bed.keys.plain}`);
    await pool.closeAll();
  });

  describe('with ssh-agent', () => {
    let agent: Awaited<ReturnType<typeof startAgent>>;
    beforeAll(async () => {
      agent = await startAgent([bed.keys.agent]);
    });
    afterAll(() => agent.stop());

    it('authenticates with keys from ssh-agent', async () => {
      const { pool, seen } = bedPool({ configFile: configWith(bed, [`User ${bed.user}`]), agentSocket: agent.socket });
      const t = await pool.get(hosts[0]!);
      expect((await t.exec('echo agent')).stdout).toBe('agent\n');
      expect(authUsed(seen, 'web-0')).toBe('agent (1 key)');
      await pool.closeAll();
    });

    it('IdentitiesOnly yes ignores agent keys that are not an IdentityFile', async () => {
      const { pool, seen } = bedPool({ agentSocket: agent.socket });
      await pool.get(bedHost('web-1'));
      expect(authUsed(seen, 'web-1')).toBe(`key ${bed.keys.plain}`);
      await pool.closeAll();
    });
  });

  it('asks the passphrase of an encrypted key once per run, even for parallel connects', async () => {
    const { pool, prompter, events } = bedPool({
      configFile: configWith(bed, [`User ${bed.user}`, `IdentityFile ${bed.keys.encrypted}`, 'IdentitiesOnly yes']),
      answers: { 'ssh.passphrase:': bed.keys.encryptedPassphrase },
    });
    const ts = await Promise.all(hosts.map((h) => pool.get(h)));
    const out = await Promise.all(ts.map((t) => t.exec('echo $DPL_BED_HOST')));
    expect(out.map((r) => r.stdout.trim())).toEqual(['web-0', 'web-1', 'web-2']);
    expect(prompter.asked).toEqual([
      { key: `ssh.passphrase:${bed.keys.encrypted}`, question: `Enter passphrase for key '${bed.keys.encrypted}': ` },
    ]);
    // Registered for redaction before anyone could print it.
    expect(events.scrubText(`x ${bed.keys.encryptedPassphrase} y`)).toBe('x *** y');
    await pool.closeAll();
  });

  it('a wrong passphrase is reported, not retried forever', async () => {
    const { pool } = bedPool({
      configFile: configWith(bed, [`User ${bed.user}`, `IdentityFile ${bed.keys.encrypted}`]),
      answers: { 'ssh.passphrase:': 'not it' },
    });
    const err = await pool.get(hosts[0]!).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toContain(`authentication failed for ${bed.user}@${bed.hosts['web-0']!.address}:`);
    expect((err as Error).message).toContain(`wrong passphrase for ${bed.keys.encrypted}`);
  });

  it.skipIf(!bed.sudo.passwordUser)('password login asks once per run for all hosts', async () => {
    const pw = bed.sudo.passwordUser!;
    const { pool, prompter, seen } = bedPool({
      configFile: configWith(bed, [`User ${pw.name}`, 'IdentityFile /nonexistent/key']),
      answers: { [`ssh.password:${pw.name}`]: pw.password },
    });
    const ts = await Promise.all(hosts.map((h) => pool.get({ ...h, user: undefined })));
    expect((await ts[2]!.exec('id -un')).stdout).toBe(`${pw.name}\n`);
    expect(prompter.asked.map((a) => a.key)).toEqual([`ssh.password:${pw.name}`]);
    expect(prompter.asked[0]!.question).toMatch(new RegExp(`^Password for ${pw.name}@127\\.0\\.10\\.\\d:\\d+: $`));
    expect(authUsed(seen, 'web-0')).toBe('password');
    expect(JSON.stringify(seen)).not.toContain(pw.password);
    await pool.closeAll();
  });

  it('authentication failure names the host, what was tried and what the server accepts', async () => {
    const unauthorized = join(bed.dir, 'client', 'not_the_imposter_key');
    const { pool } = bedPool({ configFile: configWith(bed, [`IdentityFile ${unauthorized}`, 'PasswordAuthentication no']) });
    const err = await pool.get(hosts[1]!).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).toMatchObject({ host: 'web-1', code: 'connect.auth' });
    const h = bed.hosts['web-1']!;
    expect((err as Error).message).toMatch(
      new RegExp(`^authentication failed for ${bed.user}@${h.address.replace(/\./g, '\\.')}:${h.port} \\(tried: key ${unauthorized}; the server accepts: publickey`),
    );
    expect((err as ConnectionError).hint).toMatch(/authorized_keys/);
  });
  describe('key types, signed at once without a probe', () => {
    const made: Record<string, string> = {};
    beforeAll(() => {
      const dir = bedTemp('auth-types-');
      for (const type of ['rsa', 'ecdsa']) {
        made[type] = join(dir, `id_${type}`);
        execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', `dpl-bed-${type}`, '-f', made[type]!]);
        appendFileSync(join(dirname(bed.keys.plain), 'authorized_keys'), readFileSync(`${made[type]}.pub`));
      }
      made['stranger'] = join(dir, 'id_stranger');
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', made['stranger']]);
    });

    it.each(['rsa', 'ecdsa'])('logs in with an %s key', async (type) => {
      const { pool, seen } = bedPool({ configFile: configWith(bed, [`User ${bed.user}`, `IdentityFile ${made[type]}`, 'IdentitiesOnly yes']) });
      const t = await pool.get(hosts[2]!);
      expect((await t.exec('echo in')).stdout).toBe('in\n');
      expect(authUsed(seen, 'web-2')).toBe(`key ${made[type]}`);
      await pool.closeAll();
    });

    it('a key the server refuses falls through to the next one, then fails clearly', async () => {
      const ok = bedPool({ configFile: configWith(bed, [`User ${bed.user}`, `IdentityFile ${made['stranger']}`, `IdentityFile ${bed.keys.plain}`, 'IdentitiesOnly yes']) });
      await (await ok.pool.get(hosts[1]!)).exec('true');
      expect(authUsed(ok.seen, 'web-1')).toBe(`key ${bed.keys.plain}`);
      await ok.pool.closeAll();
      const bad = bedPool({ configFile: configWith(bed, [`User ${bed.user}`, `IdentityFile ${made['stranger']}`, 'IdentitiesOnly yes', 'PasswordAuthentication no']) });
      await expect(bad.pool.get(hosts[1]!)).rejects.toThrow(/authentication failed for .*tried: key .*id_stranger/);
      await bad.pool.closeAll();
    });
  });
});
