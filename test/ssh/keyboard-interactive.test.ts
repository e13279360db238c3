// Keyboard-interactive authentication, as OpenSSH's client does it: used only when
// KbdInteractiveAuthentication is on (and not BatchMode), tried before password; a
// prompt asking for the password ("Password: ", as sshd's PAM asks) gets the
// once-per-run login password, and any other prompt is asked of the person, never
// answered with the password. Against a real sshd with PAM and the real `ssh`, and a
// hostile server that asks for a second factor and records what it is sent.
import { spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TerminalPrompter } from '../../src/cli/prompter.js';
import { ConnectionError } from '../../src/core/errors.js';
import { EventBus, type DplEvent } from '../../src/core/events.js';
import { Secrets } from '../../src/core/secrets.js';
import { reconfigureSshd } from '../support/bed/certs.js';
import { bedHost, bedPool, bedTemp, describeBed, type ScratchHost } from '../support/bed.js';
import { scratchHost } from '../support/bed.js';
import { startHostileKbd, type HostileKbd, type KbdPrompt } from '../support/hostile/kbd-server.js';

const authUsed = (seen: DplEvent[]): unknown => {
  const e = seen.find((x) => x.type === 'log' && x.message.startsWith('connected to'));
  return e && e.type === 'log' ? e.data?.['auth'] : undefined;
};

/**
 * The real `ssh`, not in BatchMode, answering its prompts through SSH_ASKPASS (which
 * records each prompt and answers `answer`). Async: the hostile server runs in this process.
 */
function sshWithAskpass(configFile: string, host: string, answer: string, options: string[] = []): Promise<{ code: number | null; stdout: string; prompts: string[] }> {
  const dir = bedTemp('askpass-');
  const answerFile = join(dir, 'answer');
  const promptsFile = join(dir, 'prompts');
  writeFileSync(answerFile, `${answer}\n`, { mode: 0o600 });
  writeFileSync(promptsFile, '');
  const script = join(dir, 'askpass');
  writeFileSync(script, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${promptsFile}'\ncat '${answerFile}'\n`, { mode: 0o700 });
  const env: NodeJS.ProcessEnv = { ...process.env, SSH_ASKPASS: script, SSH_ASKPASS_REQUIRE: 'force' };
  delete env['SSH_AUTH_SOCK'];
  const args = ['-F', configFile, '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'NumberOfPasswordPrompts=1', ...options.flatMap((o) => ['-o', o]), host, 'id -un'];
  return new Promise((resolve) => {
    const child = spawn('ssh', args, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.resume();
    child.on('close', (code) => resolve({ code, stdout, prompts: readFileSync(promptsFile, 'utf8').split('\n').filter(Boolean) }));
  });
}

describeBed('keyboard-interactive authentication', (bed) => {
  const pw = bed.sudo.passwordUser;

  describe.skipIf(!pw)('on a real sshd asking the password through PAM', () => {
    let host: ScratchHost;
    let log: string;
    beforeAll(async () => {
      host = await scratchHost('kbd');
      log = join(host.sshdDir, 'sshd.log');
      await reconfigureSshd(host, { lines: ['UsePAM yes', 'KbdInteractiveAuthentication yes', 'PasswordAuthentication no'] });
    });
    afterAll(() => host.stop());

    /** An ssh_config reaching the scratch host as the password user, no usable key; `lines` first (first value wins). */
    function config(lines: string[]): string {
      const file = join(bedTemp('kbd-cfg-'), 'config');
      writeFileSync(
        file,
        [
          'Host kbd',
          ...lines.map((l) => `  ${l}`),
          `  HostName ${host.address}`,
          `  Port ${host.port}`,
          `  User ${pw!.name}`,
          `  UserKnownHostsFile ${host.knownHostsFile}`,
          '  GlobalKnownHostsFile /dev/null',
          '  IdentityFile /nonexistent/key',
          '  IdentitiesOnly yes',
          '',
        ].join('\n'),
      );
      return file;
    }
    /** What sshd logged from here on. */
    const logFrom = (): (() => string) => {
      const start = statSync(log).size;
      return () => readFileSync(log).subarray(start).toString('utf8');
    };

    it('KbdInteractiveAuthentication no: dpl sends no password and fails, as ssh does', async () => {
      const cfg = config(['KbdInteractiveAuthentication no']);
      const since = logFrom();
      const { pool, prompter } = bedPool({ configFile: cfg, answers: { 'ssh.password:': pw!.password } });
      const err = await pool.get(bedHost('kbd')).catch((e: unknown) => e);
      await pool.closeAll();
      expect(err).toBeInstanceOf(ConnectionError);
      expect((err as Error).message).toContain('the server accepts: publickey, keyboard-interactive');
      expect(prompter.asked).toEqual([]);
      expect(since()).not.toMatch(/keyboard-interactive/);
      const ssh = await sshWithAskpass(cfg, 'kbd', pw!.password);
      expect(ssh.code).toBe(255);
      expect(ssh.prompts).toEqual([]);
    });

    it('KbdInteractiveAuthentication yes (the default): PAM\'s "Password: " gets the login password, asked once', async () => {
      const cfg = config([]);
      const since = logFrom();
      const { pool, prompter, seen } = bedPool({ configFile: cfg, answers: { 'ssh.password:': pw!.password } });
      const t = await pool.get(bedHost('kbd'));
      expect((await t.exec('id -un')).stdout).toBe(`${pw!.name}\n`);
      await pool.closeAll();
      expect(authUsed(seen)).toBe('keyboard-interactive');
      expect(prompter.asked.map((a) => a.key)).toEqual([`ssh.password:${pw!.name}`]);
      expect(JSON.stringify(seen)).not.toContain(pw!.password);
      expect(since()).toContain(`Accepted keyboard-interactive/pam for ${pw!.name}`);
      const ssh = await sshWithAskpass(cfg, 'kbd', pw!.password);
      expect(ssh.stdout).toBe(`${pw!.name}\n`);
      expect(ssh.prompts).toEqual([`(${pw!.name}@${host.address}) Password: `]);
    });

    it('BatchMode yes: no keyboard-interactive either', async () => {
      const since = logFrom();
      const { pool, prompter } = bedPool({ configFile: config(['BatchMode yes']), answers: { 'ssh.password:': pw!.password } });
      await expect(pool.get(bedHost('kbd'))).rejects.toThrow(/authentication failed/);
      await pool.closeAll();
      expect(prompter.asked).toEqual([]);
      expect(since()).not.toMatch(/keyboard-interactive/);
    });
  });

  describe('a hostile server', () => {
    const password = 'login-Password-1234';
    const servers: HostileKbd[] = [];
    afterAll(async () => {
      await Promise.all(servers.map((s) => s.close()));
    });
    async function hostile(name: string, prompts: KbdPrompt[], o: Omit<Parameters<typeof startHostileKbd>[0], 'name' | 'dir' | 'prompts'> = {}): Promise<HostileKbd> {
      const s = await startHostileKbd({ name, dir: bedTemp('kbd-hostile-'), prompts, ...o });
      servers.push(s);
      return s;
    }
    const label = (s: HostileKbd): string => `attacker-test@${s.address}:${s.port}`;

    it('"Verification code: " is asked of the person under its own key and never answered with the password', async () => {
      const s = await hostile('kbd-otp', [{ prompt: 'Verification code: ', echo: false }], { accept: (a) => a[0] === '424242' });
      const { pool, prompter, seen } = bedPool({
        configFile: s.configFile,
        knownHostsFile: s.knownHostsFile,
        answers: { 'ssh.password:': password, 'ssh.kbd:': '424242' },
      });
      const out = await pool.get(bedHost(s.name)).then(
        async (t) => (await t.exec('x')).stdout,
        (e: Error) => e,
      );
      await pool.closeAll();
      expect(s.answers).toEqual([['424242']]);
      expect(s.passwords).toEqual([]);
      expect(prompter.asked).toEqual([{ key: 'ssh.kbd:attacker-test:Verification code', question: `(${label(s)}) Verification code: ` }]);
      expect(out).toBe('in\n');
      expect(authUsed(seen)).toBe('keyboard-interactive');
    });

    it('the server\'s text is shown without control characters, and each question starts with who asks', async () => {
      const s = await hostile('kbd-ansi', [{ prompt: "\x1b[2K\rx\nEnter passphrase for key '/root/.ssh/id_ed25519': ", echo: false }], {
        instructions: 'Use your \x1b[31mtoken\x07\n',
      });
      const { pool, prompter } = bedPool({ configFile: s.configFile, knownHostsFile: s.knownHostsFile, answers: { 'ssh.kbd:': 'typed' } });
      await expect(pool.get(bedHost(s.name))).rejects.toThrow(ConnectionError);
      await pool.closeAll();
      expect(prompter.asked.map((a) => a.question)).toEqual([`Use your [31mtoken\n(${label(s)}) [2Kx Enter passphrase for key '/root/.ssh/id_ed25519': `]);
      expect(s.answers).toEqual([['typed']]);
    });

    it('an echoing "Username:" prompt is asked, not answered with the password', async () => {
      const s = await hostile('kbd-user', [{ prompt: 'Username: ', echo: true }]);
      const { pool, prompter } = bedPool({ configFile: s.configFile, knownHostsFile: s.knownHostsFile, answers: { 'ssh.password:': password, 'ssh.kbd:': 'alice' } });
      await expect(pool.get(bedHost(s.name))).rejects.toThrow(ConnectionError);
      await pool.closeAll();
      expect(s.answers).toEqual([['alice']]);
      expect(prompter.asked.map((a) => a.key)).toEqual(['ssh.kbd:attacker-test:Username']);
    });

    it('"Password: " and a second factor in one round: the login password (once per run) and the code', async () => {
      const prompts = [
        { prompt: 'Password: ', echo: false },
        { prompt: 'Verification code: ', echo: false },
      ];
      const a = await hostile('kbd-2fa-a', prompts, { accept: (x) => x[0] === password && x[1] === '777' });
      const b = await hostile('kbd-2fa-b', prompts, { accept: (x) => x[0] === password && x[1] === '777' });
      const cfg = join(bedTemp('kbd-2fa-'), 'config');
      writeFileSync(cfg, readFileSync(a.configFile, 'utf8') + readFileSync(b.configFile, 'utf8'));
      const known = join(bedTemp('kbd-2fa-'), 'known_hosts');
      writeFileSync(known, readFileSync(a.knownHostsFile, 'utf8') + readFileSync(b.knownHostsFile, 'utf8'));
      const { pool, prompter } = bedPool({ configFile: cfg, knownHostsFile: known, answers: { 'ssh.password:': password, 'ssh.kbd:': '777' } });
      const errors = await Promise.all([a, b].map((s) => pool.get(bedHost(s.name)).then(() => null, (e: Error) => e.message)));
      await pool.closeAll();
      expect(a.answers).toEqual([[password, '777']]);
      expect(b.answers).toEqual([[password, '777']]);
      expect(prompter.asked.map((q) => q.key)).toEqual(['ssh.password:attacker-test', 'ssh.kbd:attacker-test:Verification code']);
      expect(errors).toEqual([null, null]);
    });

    it('without a terminal: the prompter\'s error, and the password (set in the environment) is not sent', async () => {
      const s = await hostile('kbd-noterm', [{ prompt: 'Verification code: ', echo: false }]);
      const env: NodeJS.ProcessEnv = { DPL_SSH_PASSWORD: password };
      const secrets = new Secrets();
      secrets.takeEnv(env);
      const events = new EventBus();
      const { pool } = bedPool({ configFile: s.configFile, knownHostsFile: s.knownHostsFile, events, prompter: new TerminalPrompter(events, secrets, false, env) });
      const err = await pool.get(bedHost(s.name)).catch((e: unknown) => e);
      await pool.closeAll();
      expect(JSON.stringify(s.answers)).not.toContain(password);
      expect(s.passwords).toEqual([]);
      expect(err).toBeInstanceOf(ConnectionError);
      expect((err as Error).message).toContain(`dpl needs a secret ((${label(s)}) Verification code:) but there is no terminal to ask on`);
    });

    it('KbdInteractiveAuthentication no, or BatchMode yes: no keyboard-interactive attempt', async () => {
      for (const line of ['KbdInteractiveAuthentication no', 'BatchMode yes']) {
        const s = await hostile(`kbd-off-${line.split(' ')[0]}`, [{ prompt: 'Password: ', echo: false }], { config: [line] });
        const { pool, prompter } = bedPool({ configFile: s.configFile, knownHostsFile: s.knownHostsFile, answers: { 'ssh.password:': password } });
        await expect(pool.get(bedHost(s.name))).rejects.toThrow(ConnectionError);
        await pool.closeAll();
        expect(s.methods.filter((m) => m !== 'none'), line).toEqual([]);
        expect(prompter.asked, line).toEqual([]);
      }
    });

    it('keyboard-interactive before password, as ssh (PreferredAuthentications\' default order)', async () => {
      const s = await hostile('kbd-order', [{ prompt: 'Password: ', echo: false }], { offer: ['password', 'keyboard-interactive'] });
      const { pool } = bedPool({ configFile: s.configFile, knownHostsFile: s.knownHostsFile, answers: { 'ssh.password:': password } });
      await expect(pool.get(bedHost(s.name))).rejects.toThrow(ConnectionError);
      await pool.closeAll();
      const dplOrder = s.methods.filter((m) => m !== 'none');
      s.methods.length = 0;
      await sshWithAskpass(s.configFile, s.name, password, [`UserKnownHostsFile=${s.knownHostsFile}`]);
      const sshOrder = s.methods.filter((m) => m !== 'none');
      expect(sshOrder).toEqual(['keyboard-interactive', 'password']);
      expect(dplOrder).toEqual(sshOrder);
    });
  });
});
