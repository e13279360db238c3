// Issue #15 finding 7 through the real CLI on the sshd bed: what a Fabric 1 user types
// reaches the hosts Fabric would pick, with the values Fabric would pass.
import { expect, it } from 'vitest';
import { describeBed } from '../../support/bed.js';
import { dpl, project } from '../../helpers/cli.js';

describeBed('Fabric 1 grammar through the CLI (issue #15 finding 7)', (bed) => {
  const dir = project(`
import { deployfile, task, namespace, sh } from 'dpl-deploy';
export default deployfile({
  roles: { web: [' web-0 ', 'web-0', 'web-1 '] },
  tasks: {
    show: task({ args: { a: {}, b: {} } }, async (c, { a, b }) => {
      await c.run(sh\`printf 'got[%s][%s]\\\\n' \${a} \${b}\`);
    }),
    where: task(async (c) => {
      await c.run('echo "on=$DPL_BED_HOST"');
    }),
    nested: namespace({
      foo: task({ aliases: ['foo_aliased'] }, async (c) => {
        await c.run('echo "nested.foo on=$DPL_BED_HOST"');
      }),
    }),
  },
});
`);
  const base = ['-F', bed.configFile, '--known-hosts', bed.knownHostsFile];
  const ranOn = (stdout: string): string[] => [...stdout.matchAll(/\] out: on=(\S+)$/gm)].map((m) => m[1]!);

  it('backslashes other than \\, and \\= reach the host as typed', () => {
    const r = dpl([...base, '-H', 'web-0', String.raw`show:C:\temp,^v\d+$`], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(String.raw`got[C:\temp][^v\d+$]`);
  });

  it('host=a,hosts=b;c runs on b and c only: the last host key wins', () => {
    const r = dpl([...base, 'where:host=web-0,hosts=web-1;web-2'], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(ranOn(r.stdout)).toEqual(['web-1', 'web-2']);
  });

  it('a namespaced alias runs its task', () => {
    const r = dpl([...base, '-H', 'web-0', 'nested.foo_aliased'], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/nested\.foo on=web-0$/m);
  });

  it('host names padded with spaces in a role are stripped, so each host runs once', () => {
    const r = dpl([...base, 'role:web', 'where'], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(ranOn(r.stdout)).toEqual(['web-0', 'web-1']);
  });
});
