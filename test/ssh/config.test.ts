// ~/.ssh/config resolution (ssh-config package) and jump routes: unit tests.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { loadSshConfig, resolveSettings } from '../../src/ssh/config.js';
import { buildRoute } from '../../src/ssh/route.js';

const dir = mkdtempSync(join(tmpdir(), 'dpl-cfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

async function configOf(text: string) {
  const file = join(dir, `config-${n++}`);
  writeFileSync(file, text);
  return loadSshConfig(file);
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
    const c = await configOf(CONFIG);
    const s = resolveSettings(c, 'web-9', {}, {});
    expect(s).toMatchObject({
      hostname: 'web-9.internal.example.com',
      port: 2222,
      user: 'deploy',
      keepaliveIntervalMs: 20_000,
      identitiesOnly: false,
      proxyJump: undefined,
      explicitIdentities: true,
    });
    expect(s.identityFiles).toEqual([join(homedir(), '.ssh/deploy_key'), '/keys/deploy@web-9.internal.example.com']);
  });

  it('reads ProxyJump chains, StrictHostKeyChecking, UserKnownHostsFile lists and ConnectTimeout', async () => {
    const c = await configOf(CONFIG);
    const s = resolveSettings(c, 'db', {}, {});
    expect(s).toMatchObject({
      hostname: '10.0.0.5',
      port: 22,
      user: 'fallback',
      proxyJump: ['ops@bastion:2200', 'bastion2'],
      strictHostKeyChecking: 'accept-new',
      userKnownHostsFiles: [join(homedir(), '.ssh/known_hosts_db'), '/etc/other_known'],
      connectTimeoutMs: 3000,
      identitiesOnly: true,
    });
    expect(resolveSettings(c, 'direct', {}, {}).proxyJump).toEqual([]);
  });

  it('the host’s own user/port win over the config; pool defaults fill what neither says', async () => {
    const c = await configOf('Host a\n  Port 2200\n');
    expect(resolveSettings(c, 'a', { user: 'me', port: 2300 }, { user: 'dflt', port: 9 })).toMatchObject({ user: 'me', port: 2300 });
    expect(resolveSettings(c, 'a', {}, { user: 'dflt', port: 9 })).toMatchObject({ user: 'dflt', port: 2200 });
    expect(resolveSettings(c, 'b', {}, { identityFiles: ['/k/one'] })).toMatchObject({
      hostname: 'b',
      port: 22,
      user: userInfo().username,
      identityFiles: ['/k/one'],
    });
  });

  it('a missing config file is an empty config', async () => {
    expect(await loadSshConfig(join(tmpdir(), 'no-such-dir-dpl', 'config'))).toBeNull();
    expect(resolveSettings(null, 'x.example.com', {}, {})).toMatchObject({ hostname: 'x.example.com', port: 22 });
  });

  it('long Host lists, wildcards and negations match as OpenSSH does (the fast path)', async () => {
    const names = Array.from({ length: 60 }, (_, i) => `h${i}`).join(' ');
    const c = await configOf(`Host ${names}\n  Port 2000\nHost h1? !h13\n  User teen\nHost *.lan h5\n  User lan\nHost *\n  User rest\n  KexAlgorithms ^curve25519-sha256\n`);
    expect(resolveSettings(c, 'h12', {}, {})).toMatchObject({ port: 2000, user: 'teen', algorithms: { kex: '^curve25519-sha256' } });
    expect(resolveSettings(c, 'h13', {}, {})).toMatchObject({ port: 2000, user: 'rest' });
    expect(resolveSettings(c, 'h5', {}, {})).toMatchObject({ port: 2000, user: 'lan' });
    expect(resolveSettings(c, 'box.lan', {}, {})).toMatchObject({ port: 22, user: 'lan' });
    expect(resolveSettings(c, 'h60', {}, {})).toMatchObject({ port: 22, user: 'rest' });
  });

  it('rejects a bad Port with a UsageError', async () => {
    const c = await configOf('Host bad\n  Port nope\n');
    expect(() => resolveSettings(c, 'bad', {}, {})).toThrow(UsageError);
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
    const c = await configOf(`Include ${join(inc, 'conf.d', '*.conf')} ${join(inc, 'missing.conf')}\nHost *\n  User rest\n`);
    expect(resolveSettings(c, 'web', {}, {})).toMatchObject({ hostname: '10.0.0.20', port: 2022, user: 'first-wins' });
    expect(resolveSettings(c, 'db', {}, {})).toMatchObject({ hostname: 'db', port: 22, user: 'first-wins' });
    expect(resolveSettings(c, 'other', {}, {})).toMatchObject({ user: 'rest' });
  });

  it('refuses what it cannot follow: Include loops, Host blocks included inside a Host block', async () => {
    const inc = mkdtempSync(join(dir, 'inc-'));
    writeFileSync(join(inc, 'loop.conf'), `Include ${join(inc, 'loop.conf')}\n`);
    await expect(configOf(`Include ${join(inc, 'loop.conf')}\n`)).rejects.toThrow(/nested more than 16 deep/);
    writeFileSync(join(inc, 'hosts.conf'), 'Host a\n  Port 1\n');
    await expect(configOf(`Host x\n  Include ${join(inc, 'hosts.conf')}\n`)).rejects.toThrow(UsageError);
  });
});

describe('jump routes', () => {
  it('chains hops first-to-last; the last hop uses its own config; keys include the chain', async () => {
    const c = await configOf(CONFIG);
    const resolve = async (alias: string, given: { user?: string; port?: number }) => resolveSettings(c, alias, given, {});
    const r = await buildRoute(resolve, 'db', 'db', {}, undefined);
    expect(r.key).toBe('fallback@10.0.0.5:22 via fallback@bastion2:22 via ops@bastion:2200');
    expect(r.via?.display).toBe('bastion2');
    expect(r.via?.via?.display).toBe('ops@bastion:2200');
  });

  it('detects ProxyJump loops', async () => {
    const c = await configOf('Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n');
    const resolve = async (alias: string, given: { user?: string; port?: number }) => resolveSettings(c, alias, given, {});
    await expect(buildRoute(resolve, 'a', 'a', {}, undefined)).rejects.toThrow(/ProxyJump loop/);
  });
});
