// Issue #15 finding 8 on real sshd hosts: commands run as `ssh host cmd` would
// (non-login, no pty) unless a host or the deployfile asks for a `shell` such as
// `bash -l -c` (rbenv/nvm PATHs from the profile) or for a pty.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeBed } from '../support/bed.js';
import { dpl, project } from '../helpers/cli.js';

describeBed('shell and pty per host and for every host (finding 8)', (bed) => {
  const hosts = ['web-0', 'web-1'].map((n) => bed.hosts[n]!);
  // A login bash reads ~/.bash_profile ($HOME is the host's root); a plain command does not.
  for (const h of hosts) writeFileSync(join(h.root, '.bash_profile'), `export DPL_PROFILE="loaded on ${h.name}"\n`);
  afterAll(() => {
    for (const h of hosts) rmSync(join(h.root, '.bash_profile'), { force: true });
  });

  const tasks = `
    profile: task(async (c) => {
      await c.cd('/tmp', () => c.run('echo "profile=\${DPL_PROFILE:-none} in=$(pwd) it\\'s"'));
    }),
    tty: task(async (c) => {
      await c.run('[ -t 0 ] && echo "tty=yes" || echo "tty=no"');
      await c.run('[ -t 0 ] && echo "forced=yes" || echo "forced=no"', { pty: false });
    }),`;
  const base = ['-F', bed.configFile, '--known-hosts', bed.knownHostsFile, '-H', 'web-0,web-1'];
  const lines = (stdout: string, key: string): string[] => [...stdout.matchAll(new RegExp(`^\\[(\\S+)\\] out: ${key}=(.*)$`, 'gm'))].map((m) => `${m[1]} ${m[2]}`).sort();

  it('by default a command runs non-login (no profile) and without a pty, as `ssh host cmd`', () => {
    const dir = project(`import { deployfile, task } from 'dpl-deploy';\nexport default deployfile({ tasks: {${tasks}\n  } });\n`);
    const r = dpl([...base, 'profile', 'tty'], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(lines(r.stdout, 'profile')).toEqual(["web-0 none in=/tmp it's", "web-1 none in=/tmp it's"]);
    expect(lines(r.stdout, 'tty')).toEqual(['web-0 no', 'web-1 no']);
  });

  it("a host's shell: 'bash -l -c' reads its profile there only; cd and quoting still hold", () => {
    const dir = project(`import { deployfile, task } from 'dpl-deploy';
export default deployfile({ hosts: { 'web-1': { shell: 'bash -l -c' } }, tasks: {${tasks}\n  } });\n`);
    const r = dpl([...base, 'profile'], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(lines(r.stdout, 'profile')).toEqual(["web-0 none in=/tmp it's", "web-1 loaded on web-1 in=/tmp it's"]);
  });

  it.skipIf(!bed.pty)('defaults.shell and defaults.pty apply to every host; a command can still opt out of the pty', () => {
    const dir = project(`import { deployfile, task } from 'dpl-deploy';
export default deployfile({ defaults: { shell: 'bash -l -c', pty: true }, tasks: {${tasks}\n  } });\n`);
    const r = dpl([...base, 'profile', 'tty'], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(lines(r.stdout, 'profile')).toEqual(["web-0 loaded on web-0 in=/tmp it's", "web-1 loaded on web-1 in=/tmp it's"]);
    expect(lines(r.stdout, 'tty')).toEqual(['web-0 yes', 'web-1 yes']);
    expect(lines(r.stdout, 'forced')).toEqual(['web-0 no', 'web-1 no']);
  });

  it.skipIf(!bed.pty)("a host's pty: true gives that host a terminal", () => {
    const dir = project(`import { deployfile, task } from 'dpl-deploy';
export default deployfile({ hosts: { 'web-0': { pty: true } }, tasks: {${tasks}\n  } });\n`);
    const r = dpl([...base, 'tty'], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(lines(r.stdout, 'tty')).toEqual(['web-0 yes', 'web-1 no']);
  });
});
