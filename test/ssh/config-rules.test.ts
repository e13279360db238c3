// OpenSSH's ssh_config rules that decide *whether* to connect, checked on real
// sshd hosts: for each config, dpl must reach the same verdict as the real `ssh`
// client (connects, or refuses the host key). Each case is one of issue #14's
// findings 5 and 6, where a `StrictHostKeyChecking yes` block was skipped or a
// changed key accepted.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, copyFileSync, existsSync, rmSync, appendFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostKeyError } from '../../src/core/errors.js';
import type { Host } from '../../src/core/host.js';
import type { SshPoolOptions } from '../../src/ssh/pool.js';
import { bedPool, bedTemp, describeBed, scratchHost, type ScratchHost } from '../support/bed.js';

type Verdict = 'connected' | 'host key refused' | `failed: ${string}`;

describeBed('ssh_config rules decide as OpenSSH does (real ssh as the reference)', (bed) => {
  const stranger = bed.hosts['stranger']!;
  const web0 = bed.hosts['web-0']!;
  const refused = bed.refused!;
  const base = (kh: string): string => `  User ${bed.user}\n  IdentityFile ${bed.keys.plain}\n  IdentitiesOnly yes\n  UserKnownHostsFile ${kh}\n  GlobalKnownHostsFile /dev/null\n`;
  let dir: string;
  let otherKey: string;
  beforeAll(() => {
    dir = bedTemp('rules-');
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'other')]);
    otherKey = readFileSync(join(dir, 'other.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
  });
  let n = 0;
  const file = (name: string, text: string): string => {
    const p = join(dir, `${n++}-${name}`);
    writeFileSync(p, text);
    return p;
  };
  const emptyKh = (): string => file('known_hosts', '');
  const keyLine = (h: { knownHostsName: string; hostKeyFile: string }, name = h.knownHostsName): string =>
    `${name} ${readFileSync(`${h.hostKeyFile}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`;

  async function dpl(host: Host, options: Partial<SshPoolOptions>): Promise<Verdict> {
    const { pool } = bedPool({ knownHostsFile: undefined, ...options });
    try {
      const t = await pool.get(host);
      const r = await t.exec('echo ok');
      return r.stdout === 'ok\n' ? 'connected' : `failed: ${r.stdout}`;
    } catch (err) {
      return err instanceof HostKeyError ? 'host key refused' : `failed: ${(err as Error).message}`;
    } finally {
      await pool.closeAll();
    }
  }
  function ssh(config: string, dest: string, args: string[] = []): Verdict {
    const r = spawnSync('ssh', ['-F', config, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', ...args, dest, 'echo ok'], { encoding: 'utf8', timeout: 20_000 });
    if (r.status === 0 && r.stdout === 'ok\n') return 'connected';
    return /host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/i.test(r.stderr) ? 'host key refused' : `failed: ${r.stderr.trim()}`;
  }
  const alias = (name: string): Host => ({ name, hostname: name, vars: {} });

  it('`Match !host` applies to every host but the one named (a strict block is not skipped)', async () => {
    const kh = emptyKh();
    const cfg = file('config', `Host prod-1\n  HostName ${stranger.address}\n  Port ${stranger.port}\nMatch !host dev-*\n  StrictHostKeyChecking yes\nHost *\n  StrictHostKeyChecking accept-new\n${base(kh)}`);
    expect(ssh(cfg, 'prod-1')).toBe('host key refused');
    expect(await dpl(alias('prod-1'), { configFile: cfg })).toBe('host key refused');
    expect(readFileSync(kh, 'utf8')).toBe('');
  });

  it('`Match host` sees a HostName written `Hostname` (keywords are case-insensitive)', async () => {
    const kh = emptyKh();
    const cfg = file('config', `Host prod-2\n  Hostname ${stranger.address}\n  port ${stranger.port}\nMatch host ${stranger.address}\n  StrictHostKeyChecking yes\nHost *\n  StrictHostKeyChecking accept-new\n${base(kh)}`);
    expect(ssh(cfg, 'prod-2')).toBe('host key refused');
    expect(await dpl(alias('prod-2'), { configFile: cfg })).toBe('host key refused');
  });

  it('`Match host` sees a HostName made with %h', async () => {
    const kh = emptyKh();
    const [prefix, last] = [stranger.address.replace(/\.\d+$/, ''), stranger.address.split('.').pop()!];
    const cfg = file('config', `Host ${last}\n  HostName ${prefix}.%h\n  Port ${stranger.port}\nMatch host ${stranger.address}\n  StrictHostKeyChecking yes\nHost *\n  StrictHostKeyChecking accept-new\n${base(kh)}`);
    expect(ssh(cfg, last)).toBe('host key refused');
    expect(await dpl(alias(last), { configFile: cfg })).toBe('host key refused');
  });

  it('`?` in a Host pattern matches exactly one character, never zero', async () => {
    const kh = emptyKh();
    const cfg = file('config', `Host stag?\n  StrictHostKeyChecking accept-new\nHost stag\n  HostName ${stranger.address}\n  Port ${stranger.port}\nHost *\n  StrictHostKeyChecking yes\n${base(kh)}`);
    expect(ssh(cfg, 'stag')).toBe('host key refused');
    expect(await dpl(alias('stag'), { configFile: cfg })).toBe('host key refused');
  });

  it('HostKeyAlias is the name looked up in known_hosts: a different key recorded there is a changed key', async () => {
    // known_hosts holds web-0's real key under its [address]:port, and another key under the alias.
    const kh = file('known_hosts', keyLine(web0) + `pinned-web ${otherKey}\n`);
    const cfg = file('config', `Host w0\n  HostName ${web0.address}\n  Port ${web0.port}\n  HostKeyAlias pinned-web\n${base(kh)}`);
    expect(ssh(cfg, 'w0')).toBe('host key refused');
    expect(await dpl(alias('w0'), { configFile: cfg })).toBe('host key refused');
    // And the alias's right key is accepted although [address]:port is not recorded.
    const kh2 = file('known_hosts', keyLine(web0, 'pinned-web'));
    const cfg2 = file('config', `Host w0\n  HostName ${web0.address}\n  Port ${web0.port}\n  HostKeyAlias Pinned-Web\n${base(kh2)}`);
    expect(ssh(cfg2, 'w0')).toBe('connected');
    expect(await dpl(alias('w0'), { configFile: cfg2 })).toBe('connected');
  });

  it('quoted paths keep their spaces (UserKnownHostsFile, IdentityFile, Include)', async () => {
    const spaced = join(dir, 'with space');
    mkdirSync(spaced, { recursive: true });
    const kh = join(spaced, 'known hosts');
    writeFileSync(kh, keyLine(web0));
    const key = join(spaced, 'id key');
    copyFileSync(bed.keys.plain, key);
    const inc = join(spaced, 'web 0.conf');
    writeFileSync(inc, `Host w0\n  HostName ${web0.address}\n  Port ${web0.port}\n`);
    const cfg = file('config', `Include "${inc}"\nHost *\n  User ${bed.user}\n  IdentityFile "${key}"\n  IdentitiesOnly yes\n  UserKnownHostsFile "${kh}"\n  StrictHostKeyChecking yes\n`);
    expect(ssh(cfg, 'w0')).toBe('connected');
    expect(await dpl(alias('w0'), { configFile: cfg })).toBe('connected');
  });

  it('ProxyCommand runs exactly as written (no re-quoting of `2>>"$F"`)', async () => {
    const kh = file('known_hosts', keyLine(web0));
    const log = join(dir, 'proxy log');
    process.env['DPL_TEST_PROXY_LOG'] = log;
    try {
      const cfg = file('config', `Host w0p\n  HostName ${web0.address}\n  Port ${web0.port}\n  ProxyCommand socat - TCP:%h:%p 2>>"$DPL_TEST_PROXY_LOG"\n${base(kh)}`);
      expect(ssh(cfg, 'w0p')).toBe('connected');
      expect(existsSync(log)).toBe(true);
      rmSync(log, { force: true });
      expect(await dpl(alias('w0p'), { configFile: cfg })).toBe('connected');
      expect(existsSync(log)).toBe(true);
    } finally {
      delete process.env['DPL_TEST_PROXY_LOG'];
    }
  });

  it('`ProxyCommand none` before `ProxyJump` means a direct connection (the first value obtained wins)', async () => {
    const kh = file('known_hosts', keyLine(web0));
    const cfg = file('config', `Host w0d\n  HostName ${web0.address}\n  Port ${web0.port}\n  ProxyCommand none\nHost *\n  ProxyJump ${bed.user}@${refused.address}:${refused.port}\n${base(kh)}`);
    expect(ssh(cfg, 'w0d')).toBe('connected');
    expect(await dpl(alias('w0d'), { configFile: cfg })).toBe('connected');
  });

  it('`Match user` sees the user given with the host (user@host)', async () => {
    const kh = emptyKh();
    const cfg = file('config', `Host prod-3\n  HostName ${stranger.address}\n  Port ${stranger.port}\nMatch user ${bed.user}\n  StrictHostKeyChecking yes\nHost *\n  StrictHostKeyChecking accept-new\n  IdentityFile ${bed.keys.plain}\n  UserKnownHostsFile ${kh}\n`);
    expect(ssh(cfg, `${bed.user}@prod-3`)).toBe('host key refused');
    expect(await dpl({ ...alias('prod-3'), user: bed.user }, { configFile: cfg })).toBe('host key refused');
  });

  it('`Match final` asks for a second pass, in which Host lines see the final host name', async () => {
    // Only the final pass's `Host <address>` names the known_hosts file that records another key.
    const kh = emptyKh();
    const pinned = file('known_hosts', `${stranger.knownHostsName} ${otherKey}\n`);
    const cfg = file(
      'config',
      `Host prod-4\n  HostName ${stranger.address}\n  Port ${stranger.port}\nMatch final\nHost ${stranger.address}\n  GlobalKnownHostsFile ${pinned}\n` +
        `Host *\n  StrictHostKeyChecking accept-new\n  User ${bed.user}\n  IdentityFile ${bed.keys.plain}\n  UserKnownHostsFile ${kh}\n`,
    );
    expect(ssh(cfg, 'prod-4')).toBe('host key refused');
    expect(await dpl(alias('prod-4'), { configFile: cfg })).toBe('host key refused');
    expect(readFileSync(kh, 'utf8')).toBe('');
  });

  it('--known-hosts wins over UserKnownHostsFile, as ssh -o UserKnownHostsFile does', async () => {
    const right = file('known_hosts', keyLine(web0));
    const wrong = file('known_hosts', `${web0.knownHostsName} ${otherKey}\n`);
    const cfg = file('config', `Host w0k\n  HostName ${web0.address}\n  Port ${web0.port}\n${base(right)}`);
    expect(ssh(cfg, 'w0k', ['-o', `UserKnownHostsFile=${wrong}`])).toBe('host key refused');
    expect(await dpl(alias('w0k'), { configFile: cfg, knownHostsFile: wrong })).toBe('host key refused');
  });

  it('-u, -p and -i win over User, Port and IdentityFile, as ssh -l, -p and -i do', async () => {
    const kh = file('known_hosts', keyLine(web0));
    const cfg = file('config', `Host w0u\n  HostName ${web0.address}\n  Port ${refused.port}\n  User nobody-here\n  IdentityFile ${join(dir, 'other')}\n  IdentitiesOnly yes\n  UserKnownHostsFile ${kh}\n  GlobalKnownHostsFile /dev/null\n`);
    expect(ssh(cfg, 'w0u', ['-l', bed.user, '-p', String(web0.port), '-i', bed.keys.plain])).toBe('connected');
    expect(await dpl(alias('w0u'), { configFile: cfg, user: bed.user, port: web0.port, identityFiles: [bed.keys.plain] })).toBe('connected');
  });

  it('two aliases for one address share a pooled connection only when every connection setting is equal', async () => {
    // `lax` may record the key; `pinned` (StrictHostKeyChecking yes, its own known_hosts) must not ride on that.
    const [laxKh, pinnedKh] = [emptyKh(), emptyKh()];
    const at = `  HostName ${stranger.address}\n  Port ${stranger.port}\n`;
    const cfg = file(
      'config',
      `Host lax\n${at}  StrictHostKeyChecking accept-new\n  UserKnownHostsFile ${laxKh}\nHost pinned\n${at}  StrictHostKeyChecking yes\n  UserKnownHostsFile ${pinnedKh}\n` +
        `Host *\n  User ${bed.user}\n  IdentityFile ${bed.keys.plain}\n  IdentitiesOnly yes\n  GlobalKnownHostsFile /dev/null\n`,
    );
    expect(ssh(cfg, 'pinned')).toBe('host key refused');
    const { pool } = bedPool({ knownHostsFile: undefined, configFile: cfg });
    try {
      expect((await (await pool.get(alias('lax'))).exec('echo ok')).stdout).toBe('ok\n');
      expect(await pool.get(alias('pinned')).catch((e: unknown) => e)).toBeInstanceOf(HostKeyError);
    } finally {
      await pool.closeAll();
    }
  });

  describe('known_hosts2', () => {
    // OpenSSH reads ~/.ssh/known_hosts2 by default. A private host, so no other test sees the entry.
    let host: ScratchHost;
    const home = userInfo().homedir;
    const kh2 = join(home, '.ssh', 'known_hosts2');
    let before: string | null = null;
    beforeAll(async () => {
      host = await scratchHost('kh2');
      before = existsSync(kh2) ? readFileSync(kh2, 'utf8') : null;
      mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
      appendFileSync(kh2, keyLine(host));
    });
    afterAll(async () => {
      if (before === null) rmSync(kh2, { force: true });
      else writeFileSync(kh2, before);
      await host?.stop();
    });
    it('~/.ssh/known_hosts2 is read when UserKnownHostsFile is not set', async () => {
      expect(homedir()).toBe(home);
      const cfg = file('config', `Host kh2\n  HostName ${host.address}\n  Port ${host.port}\n  User ${bed.user}\n  IdentityFile ${bed.keys.plain}\n  IdentitiesOnly yes\n  StrictHostKeyChecking yes\n`);
      expect(ssh(cfg, 'kh2')).toBe('connected');
      expect(await dpl(alias('kh2'), { configFile: cfg })).toBe('connected');
    });
  });
});
