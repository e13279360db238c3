// Finds deployfile.ts in the current directory or its parents (-f overrides).
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DeployfileError } from '../core/errors.js';

export const DEPLOYFILE_NAMES = ['deployfile.ts', 'deployfile.mts'];

export function findDeployfile(cwd: string, explicit?: string): string {
  if (explicit) {
    const path = resolve(cwd, explicit);
    if (!existsSync(path) || !statSync(path).isFile()) {
      throw new DeployfileError(`deployfile not found: ${path}`, { code: 'deployfile.not-found', hint: 'check the path given to -f/--deployfile' });
    }
    return path;
  }
  const looked: string[] = [];
  let dir = resolve(cwd);
  for (;;) {
    for (const name of DEPLOYFILE_NAMES) {
      const path = join(dir, name);
      if (existsSync(path)) return path;
    }
    looked.push(dir);
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new DeployfileError(
    `no deployfile.ts found in ${looked[0]} or any parent directory (looked in ${looked.length} directories, up to /)`,
    { code: 'deployfile.not-found', hint: 'create one with `dpl init`, or point at one with -f PATH' },
  );
}

/** Like findDeployfile, but undefined instead of an error (ad-hoc `dpl -H h -- cmd`). */
export function tryFindDeployfile(cwd: string): string | undefined {
  try {
    return findDeployfile(cwd);
  } catch {
    return undefined;
  }
}
