// c.sudo on real hosts (issue #14, finding 1). The password goes to sudo's own
// prompt once, before the command starts; the command then gets EOF (or the
// task's stdin) and its output comes back as it was written. A command that
// prints sudo's prompt (it can read it from ps) is not answered.
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CommandTimeoutError, InterruptedError } from '../../src/core/errors.js';
import { addressHost, bedTemp, describeBed, pidAlive, waitFor, type ScratchHost } from '../support/bed.js';
import { SHORT_USER, bedContext, ensureShortPasswordUser, scratchAs, scratchHostAllowing } from '../helpers/sudo-bed.js';

/** Finds sudo's -p argument among its ancestors, prints it where sudo prompts, then reads stdin into `file`. */
const thief = (file: string, read = 'cat'): string => `
p=$PPID; stolen=''
while [ -z "$stolen" ] && [ "$p" -gt 1 ]; do
  stolen=$(tr '\\0' '\\n' < /proc/$p/cmdline | sed -n '/^-p$/{n;p;q;}')
  p=$(sed 's/.*) [A-Za-z] \\([0-9]*\\).*/\\1/' /proc/$p/stat)
done
printf '%s' "$stolen" >&2
${read} > ${file}
echo "eof $?"`;

const PROMPT_RE = /\[dpl-sudo-[0-9a-f]+\] password: /;

describeBed('c.sudo over ssh', (bed) => {
  const skip = bed.sudo.skipReason;
  const pw = bed.sudo.passwordUser;
  const asPassword = (host: string, answer = pw?.password ?? '') => bedContext(addressHost(bed.hosts[host]!, pw?.name), { 'sudo.password': answer });
  const passwordless = (host: string) => bedContext(addressHost(bed.hosts[host]!));
  const pools: Array<{ pool: { closeAll(): Promise<void> } }> = [];
  const track = <T extends { pool: { closeAll(): Promise<void> } }>(x: T): T => (pools.push(x), x);
  afterAll(() => Promise.all(pools.map((p) => p.pool.closeAll())));

  it.skipIf(!!skip)('the thief: a command that prints sudo’s prompt as another user reads EOF, not the password', async () => {
    const dir = bedTemp('sudo-thief-');
    chmodSync(dir, 0o777);
    const file = join(dir, 'stolen');
    const { c, prompter } = track(asPassword('web-1'));
    const r = await c.sudo(thief(file), { user: bed.user, timeoutMs: 10_000 }).catch((e: Error) => e);
    const stolen = existsSync(file) ? readFileSync(file, 'utf8') : '(no file)';
    expect(stolen).not.toContain(pw!.password);
    expect(stolen).toBe('');
    expect(r).not.toBeInstanceOf(Error);
    if (r instanceof Error) return;
    expect(r.stdout).toBe('eof 0\n');
    // The thief did find and print the prompt: it is the command's output now.
    expect(r.stderr).toMatch(PROMPT_RE);
    expect(prompter.asked).toHaveLength(1);
  });

  it.skipIf(!!skip)('the thief with a pty, as root: the prompt it prints is not answered', async () => {
    const dir = bedTemp('sudo-thief-pty-');
    const file = join(dir, 'stolen');
    const { c } = track(asPassword('web-2'));
    // A pty gives no EOF, so the thief reads for a while and gives up.
    const r = await c.sudo(thief(file, 'timeout --foreground 2 head -n 1'), { pty: true, timeoutMs: 10_000 }).catch((e: Error) => e);
    const stolen = existsSync(file) ? readFileSync(file, 'utf8') : '(no file)';
    expect(stolen).not.toContain(pw!.password);
    expect(r).not.toBeInstanceOf(Error);
    if (r instanceof Error) return;
    expect(r.stdout).toMatch(PROMPT_RE);
    expect(r.stdout).toMatch(/eof (0|124)\r\n$/);
  });

  it.skipIf(!!skip)('c.sudo("cat") gets EOF at once: with a password', async () => {
    const { c, prompter } = track(asPassword('web-3'));
    const r = await c.sudo('cat', { timeoutMs: 10_000 });
    expect(r).toMatchObject({ stdout: '', stderr: '', code: 0 });
    expect(prompter.asked).toHaveLength(1);
  });

  it.skipIf(!!skip)('c.sudo("cat") gets EOF at once: passwordless sudo', async () => {
    const { c, prompter } = track(passwordless('web-3'));
    const r = await c.sudo('cat', { timeoutMs: 10_000 });
    expect(r).toMatchObject({ stdout: '', stderr: '', code: 0 });
    expect(prompter.asked).toHaveLength(0);
  });

  it.skipIf(!!skip)('stdin data reaches the command exactly, even when it holds the password (password sudo)', async () => {
    const { c, seen } = track(asPassword('web-4'));
    const data = `payload\n${pw!.password}\nlast line without newline`;
    const r = await c.sudo('cat', { stdin: data, timeoutMs: 10_000 });
    expect(r).toMatchObject({ stdout: data, stderr: '', code: 0 });
    // The result is the command's real output; the screen and logs (events) mask the password.
    const lines = seen.flatMap((e) => (e.type === 'output' ? [e.line] : []));
    expect(lines).toEqual(['payload', '***', 'last line without newline']);
  });

  it.skipIf(!!skip)('stdin data reaches the command exactly (passwordless sudo, as another user)', async () => {
    const { c } = track(passwordless('web-4'));
    const r = await c.sudo('id -un >&2; cat', { stdin: 'payload\n', user: pw!.name, timeoutMs: 10_000 });
    expect(r).toMatchObject({ stdout: 'payload\n', stderr: `${pw!.name}\n`, code: 0 });
  });

  it.skipIf(!!skip)('answers the prompt once; neither the prompt nor the start marker shows', async () => {
    const { c, prompter, seen } = track(asPassword('web-1'));
    const r = await c.sudo('id -un; echo to-stderr >&2', { timeoutMs: 10_000 });
    expect(r).toMatchObject({ stdout: 'root\n', stderr: 'to-stderr\n', code: 0 });
    expect(prompter.asked).toHaveLength(1);
    const shown = JSON.stringify(seen.filter((e) => e.type === 'output'));
    expect(shown).not.toMatch(/dpl-sudo/);
  });

  it.skipIf(!!skip)('passwordless sudo asks nothing', async () => {
    const { c, prompter } = track(passwordless('web-0'));
    const r = await c.sudo('id -u');
    expect(r).toMatchObject({ stdout: '0\n', stderr: '', code: 0 });
    expect(prompter.asked).toHaveLength(0);
  });

  it.skipIf(!!skip)('with a pty: the output is the command’s alone (password and passwordless)', async () => {
    const a = track(asPassword('web-5'));
    expect((await a.c.sudo('id -un', { pty: true, timeoutMs: 10_000 })).stdout).toBe('root\r\n');
    const b = track(passwordless('web-5'));
    expect((await b.c.sudo('id -un', { pty: true, timeoutMs: 10_000 })).stdout).toBe('root\r\n');
  });

  it.skipIf(!!skip)('a wrong password fails after one try with sudo’s message', async () => {
    const { c, prompter } = track(asPassword('web-2', 'wrong-password-123'));
    const r = await c.sudo('true', { warnOnly: true, timeoutMs: 20_000 });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/1 incorrect password attempt/);
    expect(r.stderr + r.stdout).not.toContain('wrong-password-123');
    expect(r.stderr).not.toMatch(PROMPT_RE);
    expect(prompter.asked).toHaveLength(1);
  });

  it.skipIf(!!skip)('no password to be had: that error is reported, not sudo’s', async () => {
    const { c } = track(bedContext(addressHost(bed.hosts['web-3']!, pw?.name)));
    await expect(c.sudo('true', { timeoutMs: 20_000 })).rejects.toThrow(/unexpected prompt sudo\.password/);
  });

  it.skipIf(!!skip)('a timed-out command under password sudo is killed on the host (through sudo again)', async () => {
    const dir = bedTemp('sudo-timeout-');
    chmodSync(dir, 0o777);
    const pidFile = join(dir, 'pid');
    const { c } = track(asPassword('web-0'));
    await expect(c.sudo(`echo $$ > ${pidFile}; exec sleep 60`, { timeoutMs: 1500 })).rejects.toBeInstanceOf(CommandTimeoutError);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(pid).toBeGreaterThan(0);
    await waitFor(() => !pidAlive(pid), 5000);
  });

  it.skipIf(!!skip)('Ctrl-C (the command’s signal) stops a command under password sudo on the host', async () => {
    const dir = bedTemp('sudo-abort-');
    chmodSync(dir, 0o777);
    const pidFile = join(dir, 'pid');
    const { c } = track(asPassword('web-5'));
    const ac = new AbortController();
    const running = c.sudo(`echo $$ > ${pidFile}; exec sleep 60`, { signal: ac.signal, timeoutMs: 20_000 });
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), 10_000);
    ac.abort();
    await expect(running).rejects.toBeInstanceOf(InterruptedError);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await waitFor(() => !pidAlive(pid), 5000);
  });

  if (skip) it.skip(`sudo tests skipped: ${skip}`, () => undefined);
});

describeBed('c.sudo with a one-letter password (own user, private sshd)', (bed) => {
  let reason = bed.sudo.skipReason;
  let host: ScratchHost | undefined;
  beforeAll(async () => {
    reason ??= await ensureShortPasswordUser();
    if (!reason) host = await scratchHostAllowing('sudo-short', SHORT_USER.name);
  });
  afterAll(() => host?.stop());
  const context = (answer: string) => bedContext(scratchAs(host!, SHORT_USER.name), { 'sudo.password': answer }, { configFile: host!.configFile, knownHostsFile: host!.knownHostsFile });

  it('password "a": c.sudo("echo banana") returns banana', async (ctx) => {
    if (reason) ctx.skip(reason);
    const { c, pool, seen } = context(SHORT_USER.password);
    try {
      const r = await c.sudo('echo banana; echo banana >&2', { timeoutMs: 10_000 });
      expect(r).toMatchObject({ stdout: 'banana\n', stderr: 'banana\n', code: 0 });
      const lines = seen.flatMap((e) => (e.type === 'output' ? [e.line] : []));
      expect(lines).toEqual(['banana', 'banana']);
    } finally {
      await pool.closeAll();
    }
  });

  it('a wrong password with sudo insults on still fails after one try', async (ctx) => {
    if (reason) ctx.skip(reason);
    const { c, pool, prompter } = context('b');
    try {
      const r = await c.sudo('true', { warnOnly: true, timeoutMs: 20_000 });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/1 incorrect password attempt/);
      expect(prompter.asked).toHaveLength(1);
    } finally {
      await pool.closeAll();
    }
  });
});
