// ssh_config resolution (src/ssh/config/, OpenSSH 9.2's rules) and jump routes: unit
// tests. The differential test against `ssh -G` is config-differential.test.ts; the
// rules that decide whether dpl connects are checked on real hosts in config-rules.test.ts.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { loadSshConfig, resolveSettings, type CommandLine } from '../../src/ssh/config.js';
import { buildRoute } from '../../src/ssh/route.js';

const dir = mkdtempSync(join(tmpdir(), 'dpl-cfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const home = userInfo().homedir;
let n = 0;

function configFile(text: string): string {
  const file = join(dir, `config-${n++}`);
  writeFileSync(file, text);
  return file;
}
async function settingsFor(text: string, alias: string, given: { user?: string; port?: number } = {}, cli: CommandLine = {}) {
  return resolveSettings(await loadSshConfig(configFile(text)), { alias, ...given }, cli);
}

const CONFIG = `
Host web-*
  HostName %h.internal.example.com
  User deploy
  ServerAliveInterval 20
  IdentityFile ~/.ssh/deploy_key

Host web-9
  Port 2222

Host db
  HostName 10.0.0.5
  ProxyJump ops@bastion:2200,bastion2
  StrictHostKeyChecking accept-new
  UserKnownHostsFile ~/.ssh/known_hosts_db /etc/other_known
  ConnectTimeout 3
  IdentitiesOnly yes

Host direct
  ProxyJump none

Host *
  User fallback
  IdentityFile /keys/%r@%h
`;

describe('ssh config resolution', () => {
  it('applies Host patterns in order, first value wins, with % tokens and ~', async () => {
    const s = await settingsFor(CONFIG, 'web-9');
    expect(s).toMatchObject({
      hostname: 'web-9.internal.example.com',
      port: 2222,
      user: 'deploy',
      keepaliveIntervalMs: 20_000,
      identitiesOnly: false,
      proxyJump: undefined,
      explicitIdentities: true,
    });
    expect(s.identityFiles).toEqual([join(home, '.ssh/deploy_key'), '/keys/deploy@web-9.internal.example.com']);
  });

  it('reads ProxyJump chains, StrictHostKeyChecking, UserKnownHostsFile lists and ConnectTimeout', async () => {
    const s = await settingsFor(CONFIG, 'db');
    expect(s).toMatchObject({
      hostname: '10.0.0.5',
      port: 22,
      user: 'fallback',
      proxyJump: ['ops@bastion:2200', 'bastion2'],
      strictHostKeyChecking: 'accept-new',
      userKnownHostsFiles: [join(home, '.ssh/known_hosts_db'), '/etc/other_known'],
      connectTimeoutMs: 3000,
      identitiesOnly: true,
    });
    expect((await settingsFor(CONFIG, 'direct')).proxyJump).toBeUndefined();
  });

  it('known_hosts defaults as ssh: known_hosts and known_hosts2, user and global', async () => {
    const s = await settingsFor('', 'x');
    expect(s.userKnownHostsFiles).toEqual([join(home, '.ssh/known_hosts'), join(home, '.ssh/known_hosts2')]);
    expect(s.globalKnownHostsFiles).toEqual(['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']);
    expect((await settingsFor('UserKnownHostsFile none\n', 'x')).userKnownHostsFiles).toEqual([]);
  });

  it('the host string’s user/port win; then -u/-p/--known-hosts over the config; the deployfile’s defaults under it', async () => {
    const text = 'Host a\n  Port 2200\n  User cfg\n  UserKnownHostsFile /cfg/kh\n';
    expect(await settingsFor(text, 'a', { user: 'me', port: 2300 }, { user: 'cli', port: 9 })).toMatchObject({ user: 'me', port: 2300 });
    expect(await settingsFor(text, 'a', {}, { user: 'cli', port: 9, knownHostsFile: '/cli/kh' })).toMatchObject({ user: 'cli', port: 9, userKnownHostsFiles: ['/cli/kh'] });
    expect(await settingsFor(text, 'a', {}, { defaultUser: 'dflt', defaultPort: 7 })).toMatchObject({ user: 'cfg', port: 2200 });
    expect(await settingsFor(text, 'b', {}, { defaultUser: 'dflt', defaultPort: 7 })).toMatchObject({ user: 'dflt', port: 7 });
    expect(await settingsFor(text, 'b', {}, { identityFiles: [configFile('key')] })).toMatchObject({ hostname: 'b', port: 22, user: userInfo().username, explicitIdentities: true });
  });

  it('-F names a file that must exist (as ssh -F); -F none reads nothing', async () => {
    await expect(loadSshConfig(join(tmpdir(), 'no-such-dir-dpl', 'config'))).rejects.toThrow(UsageError);
    expect(await resolveSettings(await loadSshConfig('none'), { alias: 'X.example.com' })).toMatchObject({ hostname: 'x.example.com', port: 22 });
  });

  it('long Host lists, wildcards and negations match as OpenSSH does', async () => {
    const names = Array.from({ length: 60 }, (_, i) => `h${i}`).join(' ');
    const text = `Host ${names}\n  Port 2000\nHost h1? !h13\n  User teen\nHost *.lan h5\n  User lan\nHost *\n  User rest\n  KexAlgorithms ^curve25519-sha256\n`;
    expect(await settingsFor(text, 'h12')).toMatchObject({ port: 2000, user: 'teen', algorithms: { kex: '^curve25519-sha256' } });
    expect(await settingsFor(text, 'h13')).toMatchObject({ port: 2000, user: 'rest' });
    expect(await settingsFor(text, 'h5')).toMatchObject({ port: 2000, user: 'lan' });
    expect(await settingsFor(text, 'box.lan')).toMatchObject({ port: 22, user: 'lan' });
    expect(await settingsFor(text, 'h60')).toMatchObject({ port: 22, user: 'rest' });
  });

  it('a bad line anywhere is an error naming the file and line, active or not (as ssh)', async () => {
    const file = configFile('Host other\n  Port nope\n');
    await expect(loadSshConfig(file)).rejects.toThrow(`${file} line 2: Bad port 'nope'.`);
    await expect(loadSshConfig(configFile('Host x\n  Bogus yes\n')).then((f) => resolveSettings(f, { alias: 'y' }))).rejects.toThrow(/line 2: Bad configuration option: bogus/);
    expect(await settingsFor('IgnoreUnknown bogus\nHost x\n  Bogus yes\n', 'y')).toMatchObject({ hostname: 'y' });
    await expect(loadSshConfig(configFile('Match host\n'))).rejects.toThrow(/Missing Match criteria for host/);
  });
});

describe('names ssh refuses before reading the config', () => {
  it('a host or user with shell syntax is refused, so no Match exec or token ever carries it (CVE-2023-51385)', async () => {
    const marker = join(dir, 'match-exec-ran');
    const files = await loadSshConfig(configFile(`Match exec "true %h %r"\n  User x\n`));
    for (const dest of [{ alias: `web$(touch ${marker})` }, { alias: 'web;id' }, { alias: 'a,b' }, { alias: '-oProxyCommand=x' }, { alias: 'web', user: 'u;touch x' }]) {
      await expect(resolveSettings(files, dest)).rejects.toThrow(UsageError);
    }
    await expect(resolveSettings(files, { alias: 'web' }, { user: '$(id)' })).rejects.toThrow(/user name/);
    expect(existsSync(marker)).toBe(false);
    expect(await resolveSettings(files, { alias: 'web-1.example.com', user: 'deploy' })).toMatchObject({ hostname: 'web-1.example.com' });
  });
});

describe('host key sources dpl does not read', () => {
  it('RevokedHostKeys and KnownHostsCommand are refused with an error, never ignored (ssh would refuse keys they list)', async () => {
    for (const line of ['RevokedHostKeys /etc/ssh/revoked_keys', 'KnownHostsCommand /usr/bin/true %h']) {
      await expect(settingsFor(`Host x\n  ${line}\n`, 'x')).rejects.toThrow(new RegExp(`${line.split(' ')[0]} is not supported by dpl`));
      expect(await settingsFor(`Host y\n  ${line}\n`, 'x')).toMatchObject({ hostname: 'x' });
    }
    expect(await settingsFor('RevokedHostKeys none\nKnownHostsCommand none\n', 'x')).toMatchObject({ hostname: 'x' });
  });
});

describe('Include', () => {
  it('splices included files where the directive stands, globs sorted, missing files skipped, nested', async () => {
    const inc = mkdtempSync(join(dir, 'inc-'));
    mkdirSync(join(inc, 'conf.d'));
    writeFileSync(join(inc, 'conf.d', '20-web.conf'), 'Host web\n  HostName 10.0.0.20\n  Include ' + join(inc, 'port.conf') + '\n');
    writeFileSync(join(inc, 'conf.d', '10-db.conf'), 'Host db web\n  User first-wins\n');
    writeFileSync(join(inc, 'conf.d', '.hidden.conf'), 'Host web\n  User hidden\n');
    writeFileSync(join(inc, 'port.conf'), 'Port 2022\n');
    const text = `Include ${join(inc, 'conf.d', '*.conf')} ${join(inc, 'missing.conf')}\nHost *\n  User rest\n`;
    expect(await settingsFor(text, 'web')).toMatchObject({ hostname: '10.0.0.20', port: 2022, user: 'first-wins' });
    expect(await settingsFor(text, 'db')).toMatchObject({ hostname: 'db', port: 22, user: 'first-wins' });
    expect(await settingsFor(text, 'other')).toMatchObject({ user: 'rest' });
  });

  it('an Include inside a block: its Host lines work, and the block is restored after it; loops stop at 16', async () => {
    const inc = mkdtempSync(join(dir, 'inc-'));
    writeFileSync(join(inc, 'hosts.conf'), 'Host a\n  Port 1001\nHost b\n  Port 1002\n');
    const text = `Host a b\n  Include ${join(inc, 'hosts.conf')}\n  User after-include\n`;
    expect(await settingsFor(text, 'a')).toMatchObject({ port: 1001, user: 'after-include' });
    expect(await settingsFor(text, 'c')).toMatchObject({ port: 22, user: userInfo().username });
    writeFileSync(join(inc, 'loop.conf'), `Include ${join(inc, 'loop.conf')}\n`);
    await expect(loadSshConfig(configFile(`Include ${join(inc, 'loop.conf')}\n`))).rejects.toThrow(/too many recursive configuration includes/);
  });
});

describe('jump routes', () => {
  it('chains hops first-to-last; the last hop uses its own config; keys include the chain', async () => {
    const files = await loadSshConfig(configFile(CONFIG));
    const resolve = (alias: string, given: { user?: string; port?: number }) => resolveSettings(files, { alias, ...given });
    const r = await buildRoute(resolve, 'db', 'db', {}, undefined);
    expect(r.key).toBe('fallback@10.0.0.5:22 via fallback@bastion2:22 via ops@bastion:2200');
    expect(r.via?.display).toBe('bastion2');
    expect(r.via?.via?.display).toBe('ops@bastion:2200');
  });

  it('detects ProxyJump loops', async () => {
    const files = await loadSshConfig(configFile('Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n'));
    const resolve = (alias: string, given: { user?: string; port?: number }) => resolveSettings(files, { alias, ...given });
    await expect(buildRoute(resolve, 'a', 'a', {}, undefined)).rejects.toThrow(/ProxyJump loop/);
  });
});
