// Host keys against known_hosts: hashed and plain entries, [host]:port names,
// unknown keys refused with their fingerprint, accept-new, changed keys refused.
import { createHmac } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConnectionError, HostKeyError } from '../../src/core/errors.js';
import { KnownHostsStore, fingerprint, knownHostName, parseKnownHosts } from '../../src/ssh/known-hosts.js';
import { addressHost, bedHost, bedPool, bedTemp, describeBed } from '../support/bed.js';
import { wordsOf } from '../helpers/words.js';

const tmp = (): string => bedTemp('kh-');

describeBed('host keys', (bed) => {
  const stranger = bed.hosts['stranger']!;
  const imposter = bed.hosts['imposter']!;

  it('accepts hosts whose key is in known_hosts, hashed (|1|salt|hash) or plain, as [host]:port', async () => {
    const text = readFileSync(bed.knownHostsFile, 'utf8');
    expect(text).toContain(`[${bed.hosts['web-0']!.address}]:${bed.hosts['web-0']!.port} ssh-ed25519 `);
    expect(text).toMatch(/^\|1\|[^|]+\|[^ ]+ ssh-ed25519 /m);
    const { pool } = bedPool();
    for (const n of ['web-0', 'web-1']) expect((await (await pool.get(bedHost(n))).exec('echo ok')).stdout).toBe('ok\n');
    await pool.closeAll();
  });

  it('refuses an unknown host key by default, showing its SHA256 fingerprint and how to accept it', async () => {
    const { pool } = bedPool();
    const err = await pool.get(bedHost('stranger')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyError);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).toMatchObject({ host: 'stranger', code: 'hostkey.unknown' });
    const msg = (err as Error).message;
    expect(msg).toBe(
      `unknown host key for ${stranger.knownHostsName}: the server presented ssh-ed25519 ${stranger.fingerprint}, ` +
        `which is not in ${bed.knownHostsFile}; refusing to connect (once verified, accept it with --accept-new-host-keys)`,
    );
    expect((err as HostKeyError).hint).toContain('--accept-new-host-keys');
    expect((err as HostKeyError).hint).toContain('StrictHostKeyChecking accept-new');
  });

  it('accept-new records the key (then it is known), from the flag or from StrictHostKeyChecking', async () => {
    const dir = tmp();
    const file = join(dir, 'known_hosts');
    writeFileSync(file, '# empty\n');
    const { pool, seen } = bedPool({ knownHostsFile: file, acceptNewHostKeys: true });
    await pool.get(addressHost(stranger));
    await pool.closeAll();
    const line = readFileSync(file, 'utf8').split('\n')[1]!;
    expect(line).toMatch(new RegExp(`^\\[${stranger.address.replace(/\./g, '\\.')}\\]:${stranger.port} ssh-ed25519 \\S+$`));
    expect(fingerprint(Buffer.from(line.split(' ')[2]!, 'base64'))).toBe(stranger.fingerprint);
    const recorded = seen.flatMap((e) => (e.type === 'ssh.host-key' ? [e] : []));
    expect(recorded).toMatchObject([{ state: 'recorded', keyType: 'ssh-ed25519', fingerprint: stranger.fingerprint }]);
    expect(wordsOf(recorded)[0]).toContain(`recorded new host key ssh-ed25519 ${stranger.fingerprint}`);
    // A later run without accept-new trusts it.
    const { pool: again } = bedPool({ knownHostsFile: file });
    await again.get(addressHost(stranger));
    await again.closeAll();
    // The same through the ssh config, hashed because HashKnownHosts says so.
    const cfg = join(dir, 'config');
    const file2 = join(dir, 'known_hosts2');
    writeFileSync(cfg, `Host *\n  User ${bed.user}\n  IdentityFile ${bed.keys.plain}\n  UserKnownHostsFile ${file2}\n  StrictHostKeyChecking accept-new\n  HashKnownHosts yes\n`);
    const { pool: viaConfig } = bedPool({ configFile: cfg });
    await viaConfig.get(addressHost(stranger));
    await viaConfig.closeAll();
    expect(readFileSync(file2, 'utf8')).toMatch(/^\|1\|\S+\|\S+ ssh-ed25519 \S+\n$/);
  });

  it('refuses a changed key loudly, even with accept-new, naming the file and line', async () => {
    const { pool } = bedPool({ acceptNewHostKeys: true });
    const err = await pool.get(bedHost('imposter')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyError);
    const msg = (err as Error).message;
    expect(err).toMatchObject({ host: 'imposter', code: 'hostkey.changed' });
    expect(msg).toMatch(/^HOST KEY CHANGED for \[127\.0\.10\.10\]:\d+: possible man-in-the-middle attack/);
    expect(msg).toContain(`The server presented ssh-ed25519 ${imposter.fingerprint}, but ${bed.knownHostsFile} line `);
    expect((err as HostKeyError).hint).toContain(`ssh-keygen -R '${imposter.knownHostsName}' -f ${bed.knownHostsFile}`);
  });

  it('insecureIgnoreHostKeys (explicit flag) connects anyway and records nothing', async () => {
    const file = join(tmp(), 'known_hosts');
    const { pool } = bedPool({ knownHostsFile: file, insecureIgnoreHostKeys: true });
    await pool.get(addressHost(stranger));
    await pool.closeAll();
    expect(() => readFileSync(file)).toThrow();
  });

  it('a changed key in a copied known_hosts is detected for a normal host too', async () => {
    const file = join(tmp(), 'known_hosts');
    copyFileSync(bed.knownHostsFile, file);
    const web4 = bed.hosts['web-4']!;
    const other = readFileSync(bed.knownHostsFile, 'utf8').split('\n').find((l) => l.startsWith(`[${imposter.address}]`))!.split(' ');
    writeFileSync(file, `${knownHostName(web4.address, web4.port)} ${other[1]} ${other[2]}\n`);
    const { pool } = bedPool({ knownHostsFile: file });
    await expect(pool.get(addressHost(web4))).rejects.toThrow(/HOST KEY CHANGED/);
  });
});

describe('known_hosts parsing', () => {
  const key = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 1, 7])]);
  const b64 = key.toString('base64');

  it('matches patterns, negations, wildcards, [host]:port and hashed names', () => {
    const salt = Buffer.from('0123456789abcdefghij');
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('[10.0.0.9]:2222').digest('base64')}`;
    const entries = parseKnownHosts(
      [
        '# comment',
        `web.example.com,10.0.0.1 ssh-ed25519 ${b64}`,
        `*.prod.example.com,!db.prod.example.com ssh-ed25519 ${b64}`,
        `${hashed} ssh-ed25519 ${b64}`,
        `@revoked old.example.com ssh-ed25519 ${b64}`,
        `@cert-authority *.example.com ssh-ed25519 ${b64}`,
        'garbage',
      ].join('\n'),
      '/kh',
    );
    const names = (n: string) => entries.filter((e) => e.marker !== 'cert-authority' && e.matches(n)).map((e) => e.line);
    expect(names('web.example.com')).toEqual([2]);
    expect(names('10.0.0.1')).toEqual([2]);
    expect(names('[10.0.0.1]:2222')).toEqual([]);
    expect(names('app.prod.example.com')).toEqual([3]);
    expect(names('db.prod.example.com')).toEqual([]);
    expect(names('[10.0.0.9]:2222')).toEqual([4]);
    expect(entries.find((e) => e.line === 5)!.marker).toBe('revoked');
  });

  it('is read once per file per pool, and classifies keys', async () => {
    const dir = tmp();
    const file = join(dir, 'kh');
    writeFileSync(file, `[h]:2222 ssh-ed25519 ${b64}\n@revoked r ssh-ed25519 ${b64}\n`);
    const store = new KnownHostsStore();
    const first = store.entries(file);
    expect(store.entries(file)).toBe(first);
    expect((await store.check([file], '[h]:2222', key)).status).toBe('known');
    expect((await store.check([file], 'r', key)).status).toBe('revoked');
    expect((await store.check([file], 'nope', key)).status).toBe('unknown');
    const other = Buffer.concat([key.subarray(0, -1), Buffer.from([8])]);
    expect((await store.check([file], '[h]:2222', other)).status).toBe('changed');
    await store.add(file, 'new', other, false);
    expect((await store.check([file], 'new', other)).status).toBe('known');
    expect(readFileSync(file, 'utf8').split('\n')[2]).toBe(`new ssh-ed25519 ${other.toString('base64')}`);
  });

  it('lookup: plain names (any case), patterns and marker lines together in file order, and sees entries added later', async () => {
    const dir = tmp();
    const file = join(dir, 'kh');
    const salt = Buffer.from('salt-salt-salt-salt!');
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('Web.Example.com').digest('base64')}`;
    writeFileSync(file, [`*.example.com ssh-ed25519 ${b64}`, `WEB.example.com,other ssh-ed25519 ${b64}`, `${hashed} ssh-ed25519 ${b64}`, `@cert-authority web.example.com ssh-ed25519 ${b64}`, ''].join('\n'));
    const store = new KnownHostsStore();
    expect((await store.lookup([file], 'Web.Example.com')).map((e) => e.line)).toEqual([1, 2, 3, 4]);
    expect((await store.lookup([file], 'web.example.com')).map((e) => e.line)).toEqual([1, 2, 4]);
    expect((await store.lookup([file], 'other')).map((e) => e.line)).toEqual([2]);
    expect(await store.lookup([file], 'later')).toEqual([]);
    await store.add(file, 'later', key, true);
    expect((await store.lookup([file], 'later')).map((e) => e.line)).toEqual([5]);
  });
});
