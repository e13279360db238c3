// Secrets through the real CLI on the sshd bed: without a terminal, the sudo
// password comes from DPL_SUDO_PASSWORD and never shows; without it, exit 2 says so.
import { expect, it } from 'vitest';
import { describeBed } from '../support/bed.js';
import { dpl, project } from '../helpers/cli.js';

describeBed('secrets through the CLI', (bed) => {
  const pw = bed.sudo.passwordUser;
  const skip = bed.sudo.skipReason ?? (pw ? null : 'no password sudo user on this bed');
  const h = bed.hosts['web-2']!;
  const target = `${pw?.name}@${h.address}:${h.port}`;
  const dir = project(`
import { deployfile, task } from 'dpl-deploy';
export default deployfile({ tasks: { whoami: task({ desc: 'sudo whoami' }, async (c) => { await c.sudo('id -un'); }) } });
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
});
