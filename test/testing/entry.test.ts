// dpl-deploy/testing as a user gets it: imported by the package name (self-reference
// through package.json "exports", i.e. the built dist/bundle/testing.js and
// dist/testing.d.ts), a fleet started, a user's deployfile run on it with the dpl CLI.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type TestFleet } from 'dpl-deploy/testing';
import { dpl, project } from '../helpers/cli.js';

const deployfile = `
import { readFileSync } from 'node:fs';
import { deployfile, task } from 'dpl-deploy';
const fleet = JSON.parse(readFileSync(process.env.FLEET_INVENTORY!, 'utf8'));
export default deployfile<{ root: string }>({
  hosts: fleet.hosts,
  defaults: fleet.defaults,
  tasks: {
    hello: task({ run: 'parallel' }, async (c) => {
      await c.run(\`echo "hello from \${c.host.name}" > \${c.host.vars.root}/hello.txt\`);
      return (await c.run('echo $HOME')).stdout.trim();
    }),
  },
});
`;

describe('dpl-deploy/testing: a fleet of real sshd hosts for testing a deployfile', () => {
  let fleet: TestFleet;
  beforeAll(async () => {
    fleet = await startFleet({ hosts: ['app-0', 'app-1'], haproxy: { appPort: 8999 } });
  }, 30_000);
  afterAll(async () => {
    const dir = fleet?.dir;
    await fleet?.stop();
    if (dir) expect(existsSync(dir)).toBe(false);
  });

  it('a deployfile using fleet.hosts and fleet.defaults runs a task on every host (each its own $HOME tree)', () => {
    const r = dpl(['-H', 'app-0,app-1', 'hello'], { cwd: project(deployfile), env: { FLEET_INVENTORY: fleet.inventoryFile } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const name of ['app-0', 'app-1']) {
      const root = fleet.hosts[name]!.vars.root;
      expect(readFileSync(join(root, 'hello.txt'), 'utf8')).toBe(`hello from ${name}\n`);
      expect(r.stdout).toContain(root);
    }
  });

  it('the ssh_config reaches hosts by name (dpl -F, no deployfile)', () => {
    const r = dpl(['-F', fleet.sshConfig, '-H', 'app-1', '--', 'echo $HOME'], { cwd: mkdtempSync(join(tmpdir(), 'dpl-no-project-')) });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(fleet.hosts['app-1']!.vars.root);
  });

  it('HAProxy is up in front of the hosts, every server DOWN until an app listens on appPort', async () => {
    const res = await fetch(fleet.haproxy!.url);
    expect(res.status).toBe(503);
  });

  it('bad options are usage errors that say what is wrong', async () => {
    await expect(startFleet({ hosts: 0 })).rejects.toThrow(/between 1 and 16 hosts, not 0/);
    await expect(startFleet({ hosts: ['web 0'] })).rejects.toThrow(/not a plain name/);
  });
});
