// The programs a fleet runs (sshd, ssh-keygen, haproxy, git), found on PATH or in the
// sbin directories a non-root PATH lacks, with one error saying what to install.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { isRoot } from './users.js';

export type Tool = 'sshd' | 'ssh-keygen' | 'haproxy' | 'git';

const PACKAGE: Record<Tool, string> = { sshd: 'openssh-server', 'ssh-keygen': 'openssh-client', haproxy: 'haproxy', git: 'git' };

export function which(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin', '/usr/bin', '/bin'];
  for (const d of dirs) if (d && existsSync(join(d, name))) return join(d, name);
  return undefined;
}

/** Paths of `tools`, or a usage error (exit 2) naming what `who` needs and the apt-get line that installs it. */
export function findTools<T extends Tool>(tools: readonly T[], who: string): Record<T, string> {
  const found = {} as Record<T, string>;
  const missing = tools.filter((t) => {
    const path = which(t);
    if (path) found[t] = path;
    return !path;
  });
  if (missing.length) {
    const pkgs = [...new Set(tools.map((t) => PACKAGE[t]))];
    throw new UsageError(`${who}, and this machine has no ${missing.map((t) => `${t} (package ${PACKAGE[t]})`).join(', ')}`, {
      code: 'fleet.failed',
      hint: `install them: ${isRoot() ? '' : 'sudo '}apt-get install ${pkgs.join(' ')}`,
    });
  }
  return found;
}
