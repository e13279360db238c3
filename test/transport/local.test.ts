import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalTransport, LOCAL_HOST } from '../../src/transport/local.js';
import { HostContext } from '../../src/core/context.js';
import { RunImpl } from '../../src/core/run.js';
import { deployfile } from '../../src/core/deployfile.js';
import { EventBus } from '../../src/core/events.js';
import { flags } from '../helpers/local-run.js';

describe('LocalTransport', () => {
  it('kills the whole process group on timeout', async () => {
    const t = new LocalTransport();
    await expect(t.exec('sleep 5 | cat', { timeoutMs: 200 })).rejects.toThrow(/timed out after 200 ms/);
  });

  it('without sudo, stdin gets its data and EOF', async () => {
    const t = new LocalTransport();
    expect((await t.exec('cat', { timeoutMs: 5000 })).stdout).toBe('');
    expect((await t.exec('cat', { stdin: 'a\nb', timeoutMs: 5000 })).stdout).toBe('a\nb');
  });
});

// c.sudo on this machine. The tests run as root here, so sudo never prompts: what
// they prove is the protocol around it (EOF, stdin, untouched output, no answer
// to a prompt the command prints). Password prompts locally: local-sudo.test.ts.
const sudoSkip =
  process.getuid?.() !== 0 ? 'needs root (sudo without a password)' : !existsSync('/usr/bin/sudo') ? 'sudo is not installed' : null;

describe.skipIf(!!sudoSkip)('c.sudo on the local machine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dpl-local-sudo-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const asked: string[] = [];
  const local = (password = 'a') => {
    const run = new RunImpl({
      flags: flags(),
      definition: deployfile({ tasks: {} }),
      root: process.cwd(),
      events: new EventBus(),
      prompter: { interactive: false, secret: async (key) => (asked.push(key), password), confirm: async () => false },
    });
    return new HostContext(LOCAL_HOST, run, { name: 'test', root: {}, targets: [], execute: async () => new Map() });
  };

  it('c.sudo("cat") gets EOF at once', async () => {
    const r = await local().sudo('cat', { timeoutMs: 10_000 });
    expect(r).toMatchObject({ stdout: '', stderr: '', code: 0 });
  });

  it('stdin data reaches the command exactly', async () => {
    const data = 'payload\na\nno newline at the end';
    const r = await local().sudo('cat', { stdin: data, timeoutMs: 10_000 });
    expect(r).toMatchObject({ stdout: data, stderr: '', code: 0 });
  });

  it('output is the command’s own (banana stays banana)', async () => {
    const r = await local().sudo('echo banana; echo banana >&2', { timeoutMs: 10_000 });
    expect(r).toMatchObject({ stdout: 'banana\n', stderr: 'banana\n', code: 0 });
  });

  it('runs as the given user', async () => {
    const r = await local().sudo('id -un', { user: 'nobody', timeoutMs: 10_000 });
    expect(r.stdout).toBe('nobody\n');
  });

  it('the thief: a command that prints sudo’s prompt reads EOF, not the password', async () => {
    const file = join(dir, 'stolen');
    const thief = `
stolen=$(tr '\\0' '\\n' < /proc/$PPID/cmdline | sed -n '/^-p$/{n;p;q;}')
printf '%s' "$stolen" >&2
cat > ${file}
echo "eof $?"`;
    const r = await local('s3cret-local')
      .sudo(thief, { timeoutMs: 10_000 })
      .catch((e: Error) => e);
    expect(existsSync(file) ? readFileSync(file, 'utf8') : '(no file)').toBe('');
    expect(r).not.toBeInstanceOf(Error);
    if (r instanceof Error) return;
    expect(r.stdout).toBe('eof 0\n');
    expect(r.stderr).toMatch(/\[dpl-sudo-[0-9a-f]+\] password: /);
  });
});
