// What the machine must have for a sandbox (sshd, haproxy, git, ssh-keygen) and who
// logs in to the hosts: as root a dedicated user `dpltest` with /bin/sh (cheap
// start-up, shared with dpl's test bed), otherwise whoever runs dpl.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { UsageError } from '../core/errors.js';

export const LOGIN_USER_AS_ROOT = 'dpltest';

export interface Tools {
  sshd: string;
  haproxy: string;
  git: string;
  sshKeygen: string;
}

const NEEDED: Array<{ tool: keyof Tools; names: string[]; pkg: string }> = [
  { tool: 'sshd', names: ['sshd'], pkg: 'openssh-server' },
  { tool: 'haproxy', names: ['haproxy'], pkg: 'haproxy' },
  { tool: 'git', names: ['git'], pkg: 'git' },
  { tool: 'sshKeygen', names: ['ssh-keygen'], pkg: 'openssh-client' },
];

function which(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin', '/usr/bin', '/bin'];
  for (const d of dirs) if (d && existsSync(join(d, name))) return join(d, name);
  return undefined;
}

/** The tools, or a usage error (exit 2) saying exactly what to install. */
export function findTools(): Tools {
  const found: Partial<Tools> = {};
  const missing: typeof NEEDED = [];
  for (const n of NEEDED) {
    const path = n.names.map(which).find(Boolean);
    if (path) found[n.tool] = path;
    else missing.push(n);
  }
  if (missing.length) {
    const pkgs = [...new Set(['openssh-server', 'haproxy', 'git', ...missing.map((m) => m.pkg)])];
    throw new UsageError(
      `dpl sandbox runs real sshd and HAProxy, and this machine has no ${missing.map((m) => `${m.names[0]} (package ${m.pkg})`).join(', ')}`,
      { hint: `install them: ${isRoot() ? '' : 'sudo '}apt-get install ${pkgs.join(' ')}` },
    );
  }
  return found as Tools;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export interface LoginUser {
  name: string;
  uid: number;
  gid: number;
  root: boolean;
}

function idOf(name: string): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

/** As root: make sure `dpltest` exists and may log in with a key; else the current user. */
export function loginUser(): LoginUser {
  if (!isRoot()) {
    const me = userInfo();
    return { name: me.username, uid: me.uid, gid: me.gid, root: false };
  }
  const name = LOGIN_USER_AS_ROOT;
  if (!idOf(name)) {
    try {
      execFileSync('useradd', ['--create-home', '--home-dir', `/home/${name}`, '--shell', '/bin/sh', name], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      // Another sandbox or test bed may have created it at the same moment.
      if (!idOf(name)) throw new UsageError(`could not create the sandbox's login user ${name}: ${(e as Error).message}`);
    }
  }
  // useradd leaves the account locked ('!'): sshd without PAM refuses locked accounts even for keys.
  const shadow = execFileSync('getent', ['shadow', name], { encoding: 'utf8' }).split(':')[1] ?? '';
  if (shadow.startsWith('!')) execFileSync('usermod', ['-p', '*', name]);
  // sshd started as root wants its privilege-separation directory.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  return { name, ...idOf(name)!, root: true };
}
