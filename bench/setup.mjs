// `npm run bench:setup`: what the deploy bench (bench/deploy.mjs) compares dpl with, from
// the registries, outside the root package (npm test never needs them):
//   Capistrano 3 and Fabric 2 from Debian (apt, as root), rsync for Shipit;
//   shipit-cli and shipit-deploy from npm into bench/peers/node_modules;
//   dist/ (npm run build) when it is missing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const PEERS = join(ROOT, 'bench/peers');
const ok = (cmd, args, o = {}) => spawnSync(cmd, args, { stdio: 'inherit', ...o }).status === 0;
const has = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
const hasFabric = () => spawnSync('/usr/bin/python3', ['-c', 'import fabric'], { stdio: 'ignore' }).status === 0;

function fail(message) {
  console.error(`bench:setup: ${message}`);
  process.exit(1);
}

const apt = [...(has('cap') ? [] : ['capistrano']), ...(hasFabric() ? [] : ['python3-fabric']), ...(has('rsync') ? [] : ['rsync'])];
if (apt.length) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root) fail(`as root, run: apt-get install -y ${apt.join(' ')}`);
  console.log(`bench:setup: apt-get install ${apt.join(' ')}`);
  if (!ok('apt-get', ['install', '-y', '--no-install-recommends', ...apt], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })) {
    fail('apt-get install failed (try apt-get update first)');
  }
}
console.log('bench:setup: npm ci in bench/peers (shipit-cli, shipit-deploy)');
if (!ok('npm', ['ci', '--no-audit', '--no-fund'], { cwd: PEERS })) fail('npm ci in bench/peers failed');
if (!existsSync(join(ROOT, 'dist/bundle/main.js'))) {
  console.log('bench:setup: npm run build');
  if (!ok('npm', ['run', 'build'], { cwd: ROOT })) fail('npm run build failed');
}
console.log('bench:setup: done; run `npm run bench:deploy` (options: --hosts N --rounds R --tools dpl,floor,fabric,cap,shipit --load)');
