// bin/dpl, the installed command: started from the V8 start-up snapshot that
// `npm run build` makes (src/cli/snapshot.ts), or from the bundle when there is
// no snapshot for this node. Both must behave the same.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DPL_LAUNCHER, dpl, project } from '../helpers/cli.js';

const STAMP = resolve(import.meta.dirname, '../../dist/bundle/dpl.blob.stamp');
const SNAPSHOT = existsSync(STAMP);

const app = project(`
import { deployfile, task, UsageError } from 'dpl-deploy';
export default deployfile({
  tasks: {
    hello: task({ desc: 'Say hello locally' }, async (c) => {
      const r = await c.local('echo "hello from $DPL_T in $PWD"');
      c.log(r.stdout.trim());
    }),
    refuse: task({ desc: 'Fail with a usage error' }, () => {
      throw new UsageError('refused on purpose');
    }),
  },
});
`);

describe.skipIf(!SNAPSHOT)('bin/dpl started from the snapshot', () => {
  it('says so with -v', () => {
    const r = dpl(['-v', '--version'], { launcher: true });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('started from the start-up snapshot');
  });

  it('reads the cwd, argv and environment of this run, not of the build', () => {
    const r = dpl(['hello'], { launcher: true, cwd: app, env: { DPL_T: 'this-run' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`hello from this-run in ${app}`);
  });

  it("gives the deployfile the running dpl's API: its error classes map to exit codes", () => {
    const r = dpl(['refuse'], { launcher: true, cwd: app });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('refused on purpose');
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('lists the same tasks as the bundle', () => {
    const a = dpl(['--list', '--json'], { launcher: true, cwd: app });
    const b = dpl(['--list', '--json'], { launcher: false, cwd: app });
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout)).toEqual(JSON.parse(b.stdout));
  });

  it('works through a symlink, as npm installs it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpl-link-'));
    symlinkSync(DPL_LAUNCHER, join(dir, 'dpl'));
    const r = spawnLauncher(join(dir, 'dpl'), ['-v', '--version']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('started from the start-up snapshot');
  });
});

describe('bin/dpl without a usable snapshot', () => {
  it('DPL_NO_SNAPSHOT=1 loads the bundle', () => {
    const r = dpl(['-v', '--version'], { launcher: true, env: { DPL_NO_SNAPSHOT: '1' } });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('snapshot');
  });

  it('NODE_OPTIONS loads the bundle (V8 flags there make node refuse a snapshot)', () => {
    const r = dpl(['-v', '--version'], { launcher: true, env: { NODE_OPTIONS: '--max-old-space-size=4096' } });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(r.stderr).not.toContain('snapshot');
  });

  it('a snapshot built for another package directory is not used', () => {
    // A copy of the launcher in a package whose dist/ has this blob but a stamp naming another directory.
    const root = mkdtempSync(join(tmpdir(), 'dpl-pkg-'));
    mkdirSync(join(root, 'bin'));
    mkdirSync(join(root, 'dist'));
    copyFileSync(DPL_LAUNCHER, join(root, 'bin/dpl'));
    symlinkSync(resolve(import.meta.dirname, '../../bin/dpl.js'), join(root, 'bin/dpl.js'));
    symlinkSync(resolve(import.meta.dirname, '../../dist/bundle'), join(root, 'dist/bundle'));
    const r = spawnLauncher(join(root, 'bin/dpl'), ['-v', '--version']);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('snapshot');
    if (SNAPSHOT) expect(readFileSync(STAMP, 'utf8')).not.toContain(root);
  });
});

function spawnLauncher(bin: string, args: string[]): { code: number | null; stderr: string } {
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr };
}
