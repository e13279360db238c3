// bin/dpl, the installed command: started from the V8 start-up snapshot that
// `npm run build` makes (src/cli/snapshot.ts), or from the bundle when there is
// no snapshot for this node. Both must behave the same.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
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
    env: task({ desc: 'Show the CA variables the commands see', run: 'local' }, async (c) => {
      c.log((await c.local('echo "extra=$NODE_EXTRA_CA_CERTS moved=\${DPL_EXTRA_CA_CERTS-unset}"')).stdout.trim());
    }),
    notify: task({ desc: 'Report a deploy phase', run: 'local' }, async (c) => {
      c.emit('log', { level: 'info', topic: 'deploy', message: 'deploy start', data: { phase: 'start', release: 'R1' } });
    }),
    hello: task({ desc: 'Say hello locally', run: 'local' }, async (c) => {
      const r = await c.local('echo "hello from $DPL_T in $PWD"');
      c.log(r.stdout.trim());
    }),
    refuse: task({ desc: 'Fail with a usage error', run: 'local' }, () => {
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

  it('NODE_EXTRA_CA_CERTS is not parsed at start-up but is back for the commands dpl runs', () => {
    const r = dpl(['env'], { launcher: true, cwd: app, env: { NODE_EXTRA_CA_CERTS: '/etc/hypothetical-ca.pem' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('extra=/etc/hypothetical-ca.pem moved=unset');
  });

  it("HTTPS webhooks trust NODE_EXTRA_CA_CERTS, which node itself never loaded", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpl-ca-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const bodies: string[] = [];
    const server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
      let raw = '';
      req.on('data', (b) => (raw += b));
      req.on('end', () => (bodies.push(raw), res.end('ok')));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const proj = project(readFileSync(join(app, 'deployfile.ts'), 'utf8').replace('deployfile({', `deployfile({ config: { project: 'ca', notify: [{ url: '${url}', format: 'json' }] },`));
      const r = await runLauncher(['-v', 'notify'], { cwd: proj, env: { NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') } });
      expect(r.stderr).toContain('started from the start-up snapshot');
      expect(r.code).toBe(0);
      expect(r.stdout + r.stderr).not.toMatch(/notification.*(failed|certificate)/i);
      expect(bodies.map((b) => JSON.parse(b).event), r.stdout + r.stderr).toEqual(['deploy.start', 'deploy.success']);
      // And without it the self-signed server is not trusted.
      const without = await runLauncher(['notify'], { cwd: proj, env: { NODE_EXTRA_CA_CERTS: '' } });
      expect(without.stdout + without.stderr).toMatch(/could not notify .* of deploy start: .*(certificate|self-signed)/i);
      expect(bodies).toHaveLength(2);
    } finally {
      server.close();
    }
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

/** bin/dpl without blocking this process (a server in it has to answer). */
function runLauncher(args: string[], o: { cwd: string; env: Record<string, string> }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(DPL_LAUNCHER, args, { cwd: o.cwd, env: { ...process.env, NO_COLOR: '1', ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((r) => child.on('close', (code) => r({ code, stdout, stderr })));
}
