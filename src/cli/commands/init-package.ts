// The package.json part of `dpl init`: a deployfile imports 'dpl-deploy', and
// tsc and editors find its types only when the project has it installed (a
// global dpl is not seen by them). dpl init adds what is missing to
// devDependencies, but only after asking (or with --yes); without a terminal
// to ask on it changes nothing and prints the command to run.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../paths.js';

interface Manifest {
  version: string;
  devDependencies?: Record<string, string>;
}

/** What to add for the deployfile's types, with the ranges this dpl was built and tested with. */
export function wantedPackages(): Record<string, string> {
  const own = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as Manifest;
  const range = (v: string | undefined, fallback: string) => (!v ? fallback : /^\d/.test(v) ? `^${v.split('.').length === 2 ? `${v}.0` : v}` : v);
  return {
    'dpl-deploy': `^${own.version}`,
    typescript: range(own.devDependencies?.typescript, '^5.4.0'),
    '@types/node': range(own.devDependencies?.['@types/node'], '^20.0.0'),
  };
}

type Deps = Record<string, string>;
interface PackageJson {
  dependencies?: Deps;
  devDependencies?: Deps;
  peerDependencies?: Deps;
  optionalDependencies?: Deps;
}

export interface PackagePlan {
  path: string;
  missing: string[];
  /** `npm i -D ...` in the project's package manager. */
  installCommand: string;
  /** `npm install`: after the file was changed. */
  syncCommand: string;
}

function manager(dir: string): 'npm' | 'pnpm' | 'yarn' {
  if (existsSync(join(dir, 'pnpm-lock.yaml'))) return 'pnpm';
  if (existsSync(join(dir, 'yarn.lock'))) return 'yarn';
  return 'npm';
}

/** The packages the project lacks, or undefined when it has no package.json (or lacks nothing). */
export function planPackages(dir: string): PackagePlan | undefined {
  const path = join(dir, 'package.json');
  let pkg: PackageJson;
  try {
    pkg = JSON.parse(readFileSync(path, 'utf8')) as PackageJson;
  } catch {
    return undefined;
  }
  const has = (name: string) => [pkg.dependencies, pkg.devDependencies, pkg.peerDependencies, pkg.optionalDependencies].some((d) => d && name in d);
  const missing = Object.keys(wantedPackages()).filter((n) => !has(n));
  if (!missing.length) return undefined;
  const m = manager(dir);
  return {
    path,
    missing,
    installCommand: `${m === 'npm' ? 'npm i -D' : `${m} add -D`} ${missing.join(' ')}`,
    syncCommand: `${m} install`,
  };
}

/** Adds the missing packages to devDependencies (sorted, as npm keeps them), keeping the file's indentation. */
export function addPackages(plan: PackagePlan): void {
  const text = readFileSync(plan.path, 'utf8');
  const pkg = JSON.parse(text) as PackageJson & Record<string, unknown>;
  const wanted = wantedPackages();
  const dev: Deps = { ...pkg.devDependencies };
  for (const name of plan.missing) dev[name] = wanted[name]!;
  pkg.devDependencies = Object.fromEntries(Object.entries(dev).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const indent = /^[ \t]+(?=")/m.exec(text)?.[0] ?? '  ';
  writeFileSync(plan.path, JSON.stringify(pkg, null, indent) + (text.endsWith('\n') ? '\n' : ''));
}

/** "a, b and c". */
export function listed(names: string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
