// The sudo exchange on the local transport with a real password prompt: the
// tests run as root, so `su` to a user whose sudo asks (password "a") puts a
// real sudo between LocalTransport and the command.
import { describe, expect, it } from 'vitest';
import { LocalTransport } from '../../src/transport/local.js';
import { quote } from '../../src/core/quote.js';
import { sudoCommand, sudoMarkers } from '../../src/transport/sudo-protocol.js';
import type { ExecOptions } from '../../src/transport/types.js';
import { SHORT_USER, ensureShortPasswordUser } from '../helpers/sudo-bed.js';

const skip = await ensureShortPasswordUser();

describe.skipIf(!!skip)('LocalTransport: sudo that asks for a password', () => {
  const t = new LocalTransport();
  let asked = 0;
  /** `su` to SHORT_USER, then `sudo` (built as the Context builds it) runs `command`. */
  const sudo = (command: string, options: ExecOptions = {}, password = SHORT_USER.password) => {
    const markers = sudoMarkers();
    const full = `su -s /bin/sh ${quote(SHORT_USER.name)} -c ${quote(sudoCommand(command, markers))}`;
    return t.exec(full, { timeoutMs: 10_000, ...options, sudo: { ...markers, password: async () => (asked++, password) } });
  };

  it('answers once; the command gets EOF and its output is untouched', async () => {
    asked = 0;
    const r = await sudo('id -un; echo banana; echo banana >&2; cat');
    expect(r).toMatchObject({ stdout: 'root\nbanana\n', stderr: 'banana\n', code: 0 });
    expect(asked).toBe(1);
  });

  it('stdin data follows the password, exactly', async () => {
    const data = 'a\npayload\nno newline';
    const r = await sudo('cat', { stdin: data });
    expect(r).toMatchObject({ stdout: data, stderr: '', code: 0 });
  });

  it('a prompt printed by the command is output, not a question', async () => {
    asked = 0;
    const r = await sudo(`tr '\\0' '\\n' < /proc/$PPID/cmdline | sed -n '/^-p$/{n;p;q;}' >&2; cat; echo "eof $?"`);
    expect(r.stdout).toBe('eof 0\n');
    expect(r.stderr).toMatch(/^\[dpl-sudo-[0-9a-f]+\] password: \n$/);
    expect(asked).toBe(1);
  });

  it('a wrong password ends after one try', async () => {
    const r = await sudo('true', {}, 'b');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/1 incorrect password attempt/);
  });

  it('when the password cannot be had, stdin ends and sudo gives up', async () => {
    const markers = sudoMarkers();
    const full = `su -s /bin/sh ${quote(SHORT_USER.name)} -c ${quote(sudoCommand('true', markers))}`;
    const password = () => Promise.reject(new Error('no terminal'));
    const r = await t.exec(full, { timeoutMs: 10_000, sudo: { ...markers, password } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/no password was provided/);
  });
});
