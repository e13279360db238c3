// `npm run prepare`: builds dist/. npm runs it after `npm ci` or `npm install` in a
// clone, and in the temporary clone it makes to install dpl from git, before packing.
// `npm i -g git+…` prepares that clone with a *global* install (npm/cli#8440, fixed
// in pacote by npm/pacote#494, not in npm 11.19): the clone gets no node_modules and
// the build fails with `tsc: not found`. Then the build's dependencies are
// installed here first, as the local install npm meant to run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const tools = ['typescript', 'esbuild'];

if (!tools.every((t) => existsSync(join(ROOT, 'node_modules', t, 'package.json')))) {
  console.error('dpl prepare: typescript/esbuild missing (a global install from git, npm/cli#8440): installing the build dependencies');
  const env = { ...process.env };
  // The global install's settings, which npm hands down to this script's environment.
  for (const k of Object.keys(env)) if (/^npm_config_(global|location|prefix)$/i.test(k)) delete env[k];
  npm(['install', '--no-save', '--include=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--global=false', '--prefix', ROOT], env);
}
npm(['run', 'build'], process.env);

function npm(args, env) {
  // npm_execpath: the npm running this script (npm-cli.js), whatever `npm` on PATH is.
  const cli = process.env.npm_execpath;
  const [cmd, argv] = cli && /\.[cm]?js$/.test(cli) ? [process.execPath, [cli, ...args]] : ['npm', args];
  const r = spawnSync(cmd, argv, { cwd: ROOT, env, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
