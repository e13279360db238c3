// c.sudo through the real CLI on the sshd bed: a command that prints the sudo
// password keeps it in its result (the task sees the real output), while the
// screen and --json show it masked.
import { expect, it } from 'vitest';
import { describeBed } from '../support/bed.js';
import { dpl, project } from '../helpers/cli.js';

describeBed('c.sudo output through the CLI', (bed) => {
  const pw = bed.sudo.passwordUser;
  const skip = bed.sudo.skipReason ?? (pw ? null : 'no password sudo user on this bed');
  const h = bed.hosts['web-3']!;
  const target = `${pw?.name}@${h.address}:${h.port}`;
  const dir = project(`
import { deployfile, task } from 'dpl-deploy';
export default deployfile({ tasks: { echo: task({ desc: 'sudo cat of the password' }, async (c) => {
  // dpl takes DPL_SUDO_PASSWORD out of its environment at start-up: the task gets a copy under another name.
  const pw = process.env.TEST_PASSWORD_COPY ?? '';
  const r = await c.sudo('cat; echo banana', { stdin: pw + '\\n' });
  c.log(r.stdout === pw + '\\nbanana\\n' ? 'result kept' : 'result altered: ' + JSON.stringify(r.stdout.length));
} ) } });
`);
  const args = ['-F', bed.configFile, '--known-hosts', bed.knownHostsFile, '-H', target];

  for (const json of [false, true]) {
    it.skipIf(!!skip)(`the result keeps the password; ${json ? '--json' : 'the screen'} masks it`, () => {
      const r = dpl([...args, ...(json ? ['--json'] : []), 'echo'], { cwd: dir, env: { DPL_SUDO_PASSWORD: pw!.password, TEST_PASSWORD_COPY: pw!.password } });
      expect(r.code, r.stdout + '\n' + r.stderr).toBe(0);
      expect(r.stdout + r.stderr).not.toContain(pw!.password);
      expect(r.stdout).toContain('result kept');
      expect(r.stdout).toContain('***');
      expect(r.stdout).toContain('banana');
    });
  }
});
