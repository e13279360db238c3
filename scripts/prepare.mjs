// `npm run prepare`: builds dist/. npm runs it after `npm ci` or `npm install` in a
// clone, and in the temporary clone it makes to install dpl from git, before packing.
//
// `npm i -g git+…` on npm <= 11 (npm/cli#8440, fixed in npm 12 by npm/pacote#494):
// npm prepares that clone with an `npm install` that inherits npm_config_global, so
// it is `npm i -g .`: the clone gets no node_modules (the build fails with
// `tsc: not found`), and the clone is linked as <global>/lib/node_modules/dpl-deploy,
// over the directory the outer install is filling. Here the build's dependencies
// are installed into the clone, and that link is undone (see undoGlobalLink).
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, realpathSync, renameSync, unlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, dirname, join, resolve, sep } from 'node:path';

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
if (process.env.npm_config_global === 'true') undoGlobalLink();

function npm(args, env) {
  // npm_execpath: the npm running this script (npm-cli.js), whatever `npm` on PATH is.
  const cli = process.env.npm_execpath;
  const [cmd, argv] = cli && /\.[cm]?js$/.test(cli) ? [process.execPath, [cli, ...args]] : ['npm', args];
  const r = spawnSync(cmd, argv, { cwd: ROOT, env, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/**
 * The inner `npm i -g .` moved the outer install's directory aside (arborist's
 * retirePath: `.dpl-deploy-<sha1 of the path>`, with the dependencies already
 * unpacked in it) and put a link to this clone in its place; the clone is deleted
 * once packed. Put that directory back, so the outer install unpacks dpl there.
 */
function undoGlobalLink() {
  const prefix = process.env.npm_config_global_prefix;
  const cache = process.env.npm_config_cache;
  // Only npm's own clone (under its cache) was linked by mistake: `npm i -g <checkout>` asked for its link.
  if (!prefix || !cache || !existsSync(cache) || !realpathSync(ROOT).startsWith(realpathSync(cache) + sep)) return;
  const { name } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const dest = join(prefix, process.platform === 'win32' ? '' : 'lib', 'node_modules', name);
  try {
    if (!lstatSync(dest).isSymbolicLink() || realpathSync(dest) !== realpathSync(ROOT)) return;
  } catch {
    return;
  }
  unlinkSync(dest);
  const hash = createHash('sha1').update(dest).digest('base64').replace(/[^a-zA-Z0-9]+/g, '').slice(0, 8);
  const retired = join(dirname(dest), `.${basename(dest)}-${hash}`);
  if (existsSync(retired)) renameSync(retired, dest);
  console.error(`dpl prepare: undid npm's link of the temporary clone at ${dest} (npm/cli#8440)`);
}
