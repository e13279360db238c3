// sudo through ExecOptions.responder: the Context builds `sudo -S -p '<prompt>' ...`
// and the transport answers the prompt on stdin, stripping it from the output.
import { afterAll, expect, it } from 'vitest';
import { addressHost, bedPool, describeBed } from '../support/bed.js';

const PROMPT = '[sudo] dpl-prompt-7f3a password: ';
const sudo = (cmd: string): string => `sudo -S -p '${PROMPT}' ${cmd}`;

describeBed('sudo', (bed) => {
  const { pool, events } = bedPool();
  afterAll(() => pool.closeAll());
  const skip = bed.sudo.skipReason;

  it.skipIf(!!skip)('passwordless sudo never shows the prompt, so nothing is asked', async () => {
    const t = await pool.get(addressHost(bed.hosts['web-0']!));
    let asked = 0;
    const r = await t.exec(sudo('id -u'), { responder: { pattern: PROMPT, answer: async () => (asked++, 'nope') } });
    expect(r).toMatchObject({ stdout: '0\n', stderr: '', code: 0 });
    expect(asked).toBe(0);
  });

  it.skipIf(!!skip)('answers the password prompt once and strips it; the password never shows', async () => {
    const pw = bed.sudo.passwordUser!;
    events.redact(pw.password);
    const t = await pool.get(addressHost(bed.hosts['web-1']!, pw.name));
    let asked = 0;
    const out: Buffer[] = [];
    const r = await t.exec(sudo('sh -c "id -un; echo to-stderr >&2"'), {
      responder: { pattern: PROMPT, answer: async () => (asked++, pw.password) },
      onStdout: (b) => out.push(b),
      onStderr: (b) => out.push(b),
    });
    expect(r).toMatchObject({ stdout: 'root\n', stderr: 'to-stderr\n', code: 0 });
    expect(asked).toBe(1);
    const all = r.stdout + r.stderr + Buffer.concat(out).toString();
    expect(all).not.toContain(pw.password);
    expect(all).not.toContain('dpl-prompt-7f3a');
  });

  it.skipIf(!!skip)('with a pty the echoed password is scrubbed from the output too', async () => {
    const pw = bed.sudo.passwordUser!;
    const t = await pool.get(addressHost(bed.hosts['web-1']!, pw.name));
    const r = await t.exec(sudo('id -un'), { pty: true, responder: { pattern: PROMPT, answer: async () => pw.password } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('root');
    expect(r.stdout).not.toContain(pw.password);
    expect(r.stdout).not.toContain('dpl-prompt-7f3a');
  });

  it.skipIf(!!skip)('a wrong password fails with sudo’s own message, not a hang', async () => {
    const pw = bed.sudo.passwordUser!;
    const t = await pool.get(addressHost(bed.hosts['web-2']!, pw.name));
    const r = await t.exec(sudo('true'), { responder: { pattern: PROMPT, answer: async () => 'wrong-password-123' }, timeoutMs: 30_000 });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/incorrect password|try again/i);
    expect(r.stderr + r.stdout).not.toContain('wrong-password-123');
  });

  it.skipIf(!!skip)('passwordless sudo with stdin data gets the data (no prompt to wait for)', async () => {
    const t = await pool.get(addressHost(bed.hosts['web-0']!));
    const r = await t.exec(sudo('cat'), { stdin: 'payload\n', timeoutMs: 20_000, responder: { pattern: PROMPT, answer: async () => 'unused' } });
    expect(r).toMatchObject({ stdout: 'payload\n', code: 0 });
  });

  it.skipIf(!!skip)('sudo with stdin data: the data follows the password', async () => {
    const pw = bed.sudo.passwordUser!;
    const t = await pool.get(addressHost(bed.hosts['web-2']!, pw.name));
    const r = await t.exec(sudo('cat'), { stdin: 'payload\n', responder: { pattern: PROMPT, answer: async () => pw.password } });
    expect(r).toMatchObject({ stdout: 'payload\n', code: 0 });
  });

  if (skip) it.skip(`sudo tests skipped: ${skip}`, () => undefined);
});
