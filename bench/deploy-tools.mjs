// The tools the deploy bench compares, each as { name, dir, available(), prepare(world), run(world, tag) }.
// Every tool deploys to <host tree>/<dir> on every host; run() is timed by peers.js timeProcess
// (one way to measure: wall, CPU, peak RSS of the whole process tree).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PYTHON, fabricAvailable, timeProcess } from './peers.js';

const ROOT = resolve(import.meta.dirname, '..');
const PEERS = join(ROOT, 'bench/peers');
const SHIPIT = join(PEERS, 'node_modules/.bin/shipit');
const which = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
// Tools get no terminal colours and no NODE_EXTRA_CA_CERTS (Node 20 parses it at every start).
const env = (more = {}) => {
  const e = { ...process.env, NO_COLOR: '1', ...more };
  delete e.NODE_EXTRA_CA_CERTS;
  return e;
};

/** Longest a tool may take for one deploy before it is killed and its round marked failed (a hung peer). */
export const timeoutMs = (world) => Math.max(120_000, 4_000 * world.hosts.length);

/** dpl's deployfile: releaseTasks with the bench's layout; deployPath per host (its tree). `reuse`: releases made from the live one (else dpl's default, a full export). */
function deployfileText(world, dir, reuse = true) {
  const hosts = world.hosts.map((h) => `    ${JSON.stringify(h.name)}: { vars: { deployPath: ${JSON.stringify(join(h.root, dir))} } },`).join('\n');
  return `import { deployfile, releaseTasks } from 'dpl-deploy';

export default deployfile({
  hosts: {
${hosts}
  },
  roles: { app: ${JSON.stringify(world.hosts.map((h) => h.name))} },
  tasks: {
    deploy: releaseTasks({
      roles: ['app'],
      strategy: 'git',
      repoUrl: ${JSON.stringify(world.origin)},
      repoDir: ${JSON.stringify(world.work)},
      shared: { files: ['config/app.env'] },
      keep: 5,${reuse ? '\n      reuse: true,' : ''}
      hooks: { restart: async (c) => { await c.run('true'); } },
    }),
  },
});
`;
}

/** dpl from the checkout at `root` (this one, or --base: another build in the same rounds) with `reuse: true`; dpl-full without. */
export function dplTool(name, root, reuse = true) {
  return {
    name,
    dir: name,
    available: () => existsSync(join(root, 'dist/bundle/main.js')) || `${root}/dist is missing: npm run build there`,
    prepare(world) {
      this.project = mkdtempSync(join(tmpdir(), 'dpl-bench-deploy-'));
      symlinkSync(join(root, 'node_modules'), join(this.project, 'node_modules'));
      writeFileSync(join(this.project, 'deployfile.ts'), deployfileText(world, this.dir, reuse));
    },
    // Every host at once (-z N), as the peers do; --json gives the phase breakdown.
    run: (world, tag, self) =>
      timeProcess(join(root, 'bin/dpl.js'), ['-F', world.configFile, '-z', String(world.hosts.length), '--json', `deploy:${tag}`], {
        cwd: self.project,
        env: env(),
        captureStdout: true,
        timeoutMs: timeoutMs(world),
      }),
    dispose() {
      if (this.project) rmSync(this.project, { recursive: true, force: true });
    },
  };
}

const dpl = dplTool('dpl', ROOT);

const floor = {
  name: 'floor',
  dir: 'floor',
  available: () => true,
  run: (world, tag, self) => timeProcess(process.execPath, [join(PEERS, 'floor.mjs'), world.file, self.dir, tag], { env: env(), timeoutMs: timeoutMs(world) }),
};

const fabric = {
  name: 'fabric',
  dir: 'fabric',
  available: () => fabricAvailable() || `Fabric 2 is missing for ${PYTHON}: npm run bench:setup (apt python3-fabric)`,
  run: (world, tag, self) => timeProcess(PYTHON, ['-X', 'faulthandler', join(PEERS, 'fabric_deploy.py'), world.file, self.dir, tag], { env: env(), timeoutMs: timeoutMs(world) }),
};

const cap = {
  name: 'cap',
  dir: 'cap',
  available: () => which('cap') || 'Capistrano is missing: npm run bench:setup (apt capistrano)',
  run: (world, tag, self) =>
    timeProcess('cap', ['bench', 'deploy'], {
      cwd: join(PEERS, 'cap'),
      env: env({ BENCH_HOSTS: world.file, BENCH_DIR: self.dir, BENCH_TAG: tag, BENCH_CAP_LOG: process.env.BENCH_CAP_LOG ?? join(world.dir, 'capistrano.log') }),
      timeoutMs: timeoutMs(world),
    }),
};

const shipit = {
  name: 'shipit',
  dir: 'shipit',
  available: () => (existsSync(SHIPIT) && which('rsync')) || 'Shipit is missing: npm run bench:setup (npm shipit-cli, shipit-deploy into bench/peers; apt rsync)',
  run: (world, tag, self) =>
    timeProcess(process.execPath, [SHIPIT, '--shipitfile', join(PEERS, 'shipitfile.cjs'), 'bench', 'bench:deploy'], {
      cwd: PEERS,
      env: env({ BENCH_HOSTS: world.file, BENCH_DIR: self.dir, BENCH_TAG: tag }),
      timeoutMs: timeoutMs(world),
    }),
};

export const TOOLS = { dpl, floor, fabric, cap, shipit };
/** Only when asked for (--tools ...,dpl-full): this build as configured by default, every release exported in full as the floor does. */
export const EXTRA_TOOLS = { 'dpl-full': dplTool('dpl-full', ROOT, false) };

