// bin/dpl.js, the one launcher and the package's `bin`. Run as a file (dpl on PATH,
// npx dpl) it is a sh script first: it moves NODE_EXTRA_CA_CERTS aside, so node
// does not parse it at start-up, and re-runs itself with node. `node bin/dpl.js`
// runs the same file as JavaScript.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import module from 'node:module';
import { existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DPL_BIN, dpl, project } from '../helpers/cli.js';

const app = project(`
import { deployfile, task, UsageError } from 'dpl-deploy';
export default deployfile({
  tasks: {
    env: task({ desc: 'Show the CA variables the commands see, and those dpl started with', run: 'local' }, async (c) => {
      c.log((await c.local('echo "extra=$NODE_EXTRA_CA_CERTS moved=\${DPL_EXTRA_CA_CERTS-unset}"')).stdout.trim());
      // /proc/<pid>/environ is the environment node started with (dpl is the shell's parent).
      c.log((await c.local('echo "at-start=$(tr "\\\\0" "\\\\n" < /proc/$PPID/environ | grep -c "^NODE_EXTRA_CA_CERTS=")"')).stdout.trim());
    }),
    notify: task({ desc: 'Report a deploy phase', run: 'local' }, async (c) => {
      c.emit('deploy.outcome', { phase: 'start', release: 'R1', ref: 'main', sha: 'f00dfeed', hosts: [] });
    }),
    refuse: task({ desc: 'Fail with a usage error', run: 'local' }, () => {
      throw new UsageError('refused on purpose');
    }),
  },
});
`);
const CA = '/etc/hypothetical-ca.pem';

describe('bin/dpl.js run as a file', () => {
  it('starts node without NODE_EXTRA_CA_CERTS and puts it back for the commands dpl runs', async () => {
    const r = await run(DPL_BIN, ['env'], { cwd: app, env: { NODE_EXTRA_CA_CERTS: CA } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`extra=${CA} moved=unset`);
    expect(r.stdout).toContain('at-start=0');
  });

  it('through a symlink, as npm installs it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpl-link-'));
    symlinkSync(DPL_BIN, join(dir, 'dpl'));
    const r = await run(join(dir, 'dpl'), ['env'], { cwd: app, env: { NODE_EXTRA_CA_CERTS: CA } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('at-start=0');
    expect((await run(join(dir, 'dpl'), ['--version'], { cwd: dir, env: {} })).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("gives the deployfile the running dpl's API: its error classes map to exit codes", async () => {
    const r = await run(DPL_BIN, ['refuse'], { cwd: app, env: {} });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('refused on purpose');
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('without NODE_EXTRA_CA_CERTS sets nothing', async () => {
    const r = await run(DPL_BIN, ['env'], { cwd: app, env: { NODE_EXTRA_CA_CERTS: '' } });
    expect(r.stdout).toContain('extra= moved=unset');
  });

  it('HTTPS webhooks trust NODE_EXTRA_CA_CERTS, which node itself never loaded', async () => {
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
      const r = await run(DPL_BIN, ['notify', 'env'], { cwd: proj, env: { NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout, 'node started with the variable').toContain('at-start=0');
      expect(r.stdout + r.stderr).not.toMatch(/notification.*(failed|certificate)/i);
      expect(bodies.map((b) => JSON.parse(b).event), r.stdout + r.stderr).toEqual(['deploy.start', 'deploy.success']);
      // And without it the self-signed server is not trusted.
      const without = await run(DPL_BIN, ['notify'], { cwd: proj, env: { NODE_EXTRA_CA_CERTS: '' } });
      expect(without.stdout + without.stderr).toMatch(/could not notify .* of deploy start: .*(certificate|self-signed)/i);
      expect(bodies).toHaveLength(2);
    } finally {
      server.close();
    }
  });

  // Node 22.1+ has the on-disk compile cache; bin/dpl.js turns it on (in $TMPDIR by default).
  // Node 20 has none: the guard must let dpl start all the same, and nothing is written.
  const hasCompileCache = typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function';
  it(`${hasCompileCache ? 'keeps compiled code in the compile cache' : 'starts without a compile cache (Node 20), writing none'}`, async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'dpl-cc-'));
    const r = await run(DPL_BIN, ['--version'], { cwd: tmp, env: { TMPDIR: tmp, NODE_COMPILE_CACHE: '' } });
    expect(r.code, r.stderr).toBe(0);
    if (hasCompileCache) expect(readdirSync(join(tmp, 'node-compile-cache'))).not.toHaveLength(0);
    else expect(existsSync(join(tmp, 'node-compile-cache'))).toBe(false);
  });
});

describe('node bin/dpl.js', () => {
  it('runs the same file as JavaScript (the sh line is a string and a comment)', () => {
    const r = dpl(['--version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(spawnSync(process.execPath, ['--check', DPL_BIN]).status).toBe(0);
  });

  it('lists the same tasks as the file run', async () => {
    const a = await run(DPL_BIN, ['--list', '--json'], { cwd: app, env: {} });
    const b = dpl(['--list', '--json'], { cwd: app });
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout)).toEqual(JSON.parse(b.stdout));
  });
});

/** Execute `bin` as a file, without blocking this process (a server in it has to answer). */
function run(bin: string, args: string[], o: { cwd: string; env: Record<string, string> }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(bin, args, { cwd: o.cwd, env: { ...process.env, NO_COLOR: '1', ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((r) => child.on('close', (code) => r({ code, stdout, stderr })));
}
