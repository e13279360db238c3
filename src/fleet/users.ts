// Who logs in to fleet hosts. As root: a dedicated user (`dpltest`, /bin/sh so a
// command costs no shell start-up), created once and shared by every fleet on the
// machine; otherwise whoever runs the fleet (sshd then runs as that user, and can
// log in only that user, with no pty). Users and sudoers files stay on the machine.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { DplError } from '../core/errors.js';

export const LOGIN_USER_AS_ROOT = 'dpltest';

export interface LoginUser {
  name: string;
  uid: number;
  gid: number;
  /** The fleet runs as root: sshd can switch users, hand out ptys, and sudo can be set up. */
  root: boolean;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export function idOf(name: string): { uid: number; gid: number } | undefined {
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    return undefined;
  }
}

/** Create `name` (root only; idempotent, safe when another fleet creates it at the same moment) and let it log in with a key. */
export function ensureUser(name: string, o: { home?: string } = {}): LoginUser {
  if (!idOf(name)) {
    const home = ['--home-dir', o.home ?? `/home/${name}`];
    try {
      execFileSync('useradd', ['--create-home', ...home, '--shell', '/bin/sh', name], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      // useradd exits 9 when another fleet created the user first.
      if (!idOf(name)) throw new DplError(`could not create the fleet's login user ${name}: ${(e as Error).message}`, { code: 'fleet.failed' });
    }
  }
  const home = o.home ?? `/home/${name}`;
  const { uid, gid } = idOf(name)!;
  if (!existsSync(home)) mkdirSync(home, { recursive: true });
  execFileSync('chown', [`${uid}:${gid}`, home]);
  // useradd leaves the account locked ('!'): sshd without PAM refuses locked accounts even for keys. '*': no password, not locked.
  const hash = execFileSync('getent', ['shadow', name], { encoding: 'utf8' }).split(':')[1] ?? '';
  if (hash.startsWith('!')) execFileSync('usermod', ['-p', '*', name]);
  return { name, uid, gid, root: true };
}

/** Set a password (chpasswd); retried while another process holds the lock on /etc/shadow. */
export async function setPassword(name: string, password: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      execFileSync('chpasswd', { input: `${name}:${password}\n`, stdio: ['pipe', 'ignore', 'pipe'] });
      return;
    } catch (e) {
      if (attempt >= 30) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export function hasSudo(): boolean {
  return existsSync('/usr/bin/sudo') || existsSync('/bin/sudo');
}

/** Write a sudoers drop-in (checked by visudo, replaced atomically); no-op when it already says `rules`. */
export function writeSudoers(file: string, rules: string): void {
  if (existsSync(file) && readFileSync(file, 'utf8') === rules) return;
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, rules, { mode: 0o440 });
  execFileSync('visudo', ['-cqf', tmp], { stdio: ['ignore', 'ignore', 'pipe'] });
  chmodSync(tmp, 0o440);
  renameSync(tmp, file);
}

/** The login user for fleet hosts: `dpltest` as root (sshd's privilege-separation directory made too), else the current user. */
export function loginUser(): LoginUser {
  if (!isRoot()) {
    const me = userInfo();
    return { name: me.username, uid: me.uid, gid: me.gid, root: false };
  }
  const user = ensureUser(LOGIN_USER_AS_ROOT);
  // sshd started as root wants its (empty) privilege-separation directory.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  return user;
}
