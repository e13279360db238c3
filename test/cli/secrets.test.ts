// Secrets through the real CLI on the sshd bed: without a terminal, the sudo
// password comes from DPL_SUDO_PASSWORD and never shows; without it, exit 2 says so.
// A failing command whose output holds the password is masked everywhere dpl
// writes: the `dpl: error:` line (and -v stack), stdout, --json and the run log.
import { chmodSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeBed } from '../support/bed.js';
import { dpl, project } from '../helpers/cli.js';

/** Every file of the project's run logs (.dpl/logs/<run>/...), as one text. */
function runLogs(dir: string): string {
  const logs = join(dir, '.dpl', 'logs');
  return readdirSync(logs, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(logs, d.name)).map((f) => readFileSync(join(logs, d.name, f), 'utf8')))
    .join('\n');
}

describeBed('secrets through the CLI', (bed) => {
  const pw = bed.sudo.passwordUser;
  const skip = bed.sudo.skipReason ?? (pw ? null : 'no password sudo user on this bed');
  const h = bed.hosts['web-2']!;
  const target = `${pw?.name}@${h.address}:${h.port}`;
  // A file on the host holding the password: the failing command prints it, the
  // deployfile and the command line never hold it. (sudo's own channel cuts its
  // answer out of the output; a later plain command has no such filter.)
  const pwFile = join(h.root, 'secrets-test-pw');
  const dir = project(`
import { deployfile, task, sh } from 'dpl-deploy';
export default deployfile({ tasks: {
  whoami: task({ desc: 'sudo whoami' }, async (c) => { await c.sudo('id -un'); }),
  leak: task({ desc: 'sudo, then a command that fails after printing the password' }, async (c) => {
    await c.sudo('true');
    await c.run(sh\`echo starting; cat \${${JSON.stringify(pwFile)}} >&2; exit 3\`);
  }),
} });
`);

  it.skipIf(!!skip)('answers sudo from DPL_SUDO_PASSWORD, once, and never prints it', () => {
    const r = dpl(['-F', bed.configFile, '--known-hosts', bed.knownHostsFile, '-H', target, 'whoami', 'whoami'], { cwd: dir, env: { DPL_SUDO_PASSWORD: pw!.password } });
    expect(r.code, r.stdout + "\n" + r.stderr).toBe(0);
    expect(r.stdout.match(/out: root$/gm)?.length).toBe(2);
    expect(r.stdout + r.stderr).not.toContain(pw!.password);
    expect(r.stdout).not.toMatch(/dpl-sudo-[0-9a-f]+\] password/);
  });

  it.skipIf(!!skip)('without a terminal or the variable: exit 2 naming the variable', () => {
    const r = dpl(['-F', bed.configFile, '--known-hosts', bed.knownHostsFile, '-H', target, 'whoami'], { cwd: dir, env: { DPL_SUDO_PASSWORD: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no terminal to ask on/);
    expect(r.stderr).toMatch(/hint: set DPL_SUDO_PASSWORD in the environment/);
  });

  it.skipIf(!!skip)('a failing command that printed the password: masked in the error line, -v stack, stdout, --json and the run log', () => {
    writeFileSync(pwFile, `the password is ${pw!.password} (oops)\n`);
    chmodSync(pwFile, 0o644);
    try {
      rmSync(join(dir, '.dpl'), { recursive: true, force: true });
      const base = ['-F', bed.configFile, '--known-hosts', bed.knownHostsFile, '-H', target];
      const env = { DPL_SUDO_PASSWORD: pw!.password };
      const runs = [dpl([...base, 'leak'], { cwd: dir, env }), dpl([...base, '-v', 'leak'], { cwd: dir, env }), dpl([...base, '--json', 'leak'], { cwd: dir, env })];
      for (const r of runs) {
        expect(r.code, r.stderr).toBe(1);
        // The tail is there (the command did print), with the password masked.
        expect(r.stderr).toMatch(/^dpl: error: leak failed on 1 host:\n.*command exited with code 3/m);
        expect(r.stderr).toContain('the password is *** (oops)');
        expect(r.stderr, 'stderr').not.toContain(pw!.password);
        expect(r.stdout, 'stdout').not.toContain(pw!.password);
      }
      expect(runs[1]!.stderr).toMatch(/^\s+at /m); // -v printed the stack, masked too
      expect(runs[2]!.stdout).toMatch(/"type":"run\.end"/);
      const logs = runLogs(dir);
      expect(logs).toContain('the password is *** (oops)');
      expect(logs).not.toContain(pw!.password);
    } finally {
      rmSync(pwFile, { force: true });
    }
  });
});

describe("a deployfile's own secret (c.session.secret)", () => {
  const dir = project(`
import { deployfile, task, sh } from 'dpl-deploy';
export default deployfile({ tasks: {
  token: task({ desc: 'use an API token', run: 'local' }, async (c) => {
    const t = await c.session.secret('api_token', 'API token?');
    c.log('got ' + t.length + ' characters');
    await c.local(sh\`echo "token=\${t}"\`);
  }),
} });
`);

  it('comes from DPL_<KEY> without a terminal, masked in the output and the run log', () => {
    const r = dpl(['token'], { cwd: dir, env: { DPL_API_TOKEN: 'tok-7f3a9e' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('got 10 characters');
    expect(r.stdout).toContain('token=***');
    expect(r.stdout + r.stderr + runLogs(dir)).not.toContain('tok-7f3a9e');
  });

  it('without the variable or a terminal: exit 2 naming the variable', () => {
    const r = dpl(['token'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/DPL_API_TOKEN/);
  });
});
