// npm and friends for the package tests: each in a fresh directory outside the
// repo, with an environment that is a user's, not `npm test`'s.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
/** Installs fetch from the registry through npm's cache (warm after `npm ci`). */
export const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Everything, for assertion messages. */
  all: string;
}

/**
 * `npm test` hands its npm settings down (npm_config_*, npm_package_*): an npm
 * started with them would act on the repo, or globally. Registry, cache and proxy
 * settings stay. The repo's node_modules/.bin leaves PATH (tsc would come from there).
 */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const k of Object.keys(env)) {
    if (/^(npm_(lifecycle_|package_|command$|execpath$|node_execpath$)|npm_config_(global|location|prefix|local_prefix|global_prefix)$|init_cwd$)/i.test(k)) delete env[k];
  }
  env['PATH'] = (env['PATH'] ?? '').split(delimiter).filter((d) => !d.startsWith(join(ROOT, 'node_modules'))).join(delimiter);
  return { ...env, ...extra };
}

export function run(cmd: string, args: string[], cwd: string, o: { env?: Record<string, string>; timeoutMs?: number } = {}): Run {
  const r = spawnSync(cmd, args, { cwd, env: userEnv(o.env), input: '', encoding: 'utf8', timeout: o.timeoutMs ?? 300_000 });
  const stdout = r.stdout ?? '';
  const stderr = r.stderr ?? '';
  const all = `$ ${cmd} ${args.join(' ')} (in ${cwd}) → ${r.error ? String(r.error) : `exit ${r.status}`}\n${stdout}\n${stderr}`;
  return { code: r.status, stdout, stderr, all };
}

export const npm = (args: string[], cwd: string, timeoutMs = 600_000): Run => run('npm', [...args, ...NPM_FLAGS], cwd, { timeoutMs });

/** A new user's empty project: a package.json and nothing else. */
export function freshProject(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `dpl-${prefix}-`));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `app-${prefix}`, version: '1.0.0', private: true }, null, 2));
  return dir;
}

/** A deployfile typed against dpl-deploy, and the tsconfig `dpl init` writes for it. */
export function typedDeployfile(dir: string, body = 'await c.run(sh`echo ${c.host.name}`);'): void {
  writeFileSync(
    join(dir, 'deployfile.ts'),
    `import { deployfile, task, sh } from 'dpl-deploy';\n` +
      `export default deployfile({\n  hosts: { web: { hostname: '127.0.0.1' } },\n` +
      `  tasks: { hello: task({ desc: 'Say hello' }, async (c) => { ${body} }) },\n});\n`,
  );
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, skipLibCheck: true }, include: ['deployfile.ts'] }),
  );
}

/** tsc from the repo's TypeScript (the user's project would have its own). */
export const tsc = (dir: string): Run => run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], dir);
