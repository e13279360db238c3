// Login users for the bed. As root: `dpltest` (passwordless sudo) and `dplsudo`
// (sudo asks a password, also used for ssh password auth). Both use /bin/sh so a
// command costs no shell start-up. As non-root: the current user, no sudo.
// The users and /etc/sudoers.d/dpl-testbed are left in place (idempotent; several
// beds may run at once), everything else of a bed is removed on teardown.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, renameSync, chmodSync } from 'node:fs';
import { userInfo } from 'node:os';

export const SUDO_USER = 'dpltest';
export const PASSWORD_USER = 'dplsudo';
/** Fixed: the user persists across runs and concurrent beds must agree on it. Loopback only. */
export const PASSWORD_USER_PASSWORD = 'dpl-sudo-Secret-42';

const SUDOERS_FILE = '/etc/sudoers.d/dpl-testbed';
const SUDOERS = `# Written by dpl's sshd test bed (test/support). Safe to delete when no bed runs.
Defaults:${SUDO_USER} !requiretty, !lecture
${SUDO_USER} ALL=(ALL:ALL) NOPASSWD: ALL
Defaults:${PASSWORD_USER} !requiretty, lecture=never, timestamp_timeout=0, passwd_tries=3
${PASSWORD_USER} ALL=(ALL:ALL) ALL
`;

export function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function userExists(name) {
  try {
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function uidGid(name) {
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

function ensureUser(name) {
  if (!userExists(name)) {
    try {
      execFileSync('useradd', ['--create-home', '--home-dir', `/home/${name}`, '--shell', '/bin/sh', name], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    } catch (err) {
      // Another bed may have created it at the same moment (useradd exit 9).
      if (!userExists(name)) throw err;
    }
  }
  const home = `/home/${name}`;
  if (!existsSync(home)) mkdirSync(home, { recursive: true });
  const { uid, gid } = uidGid(name);
  execFileSync('chown', [`${uid}:${gid}`, home]);
  // useradd leaves the account locked ('!'), and sshd without PAM refuses locked
  // accounts even for key logins: '*' means "no password, not locked".
  const hash = execFileSync('getent', ['shadow', name], { encoding: 'utf8' }).split(':')[1] ?? '';
  if (hash.startsWith('!')) execFileSync('usermod', ['-p', '*', name]);
  return { name, uid, gid };
}

function ensureSudoers() {
  if (!existsSync('/usr/bin/sudo') && !existsSync('/bin/sudo')) return false;
  const tmp = `${SUDOERS_FILE}.${process.pid}.tmp`;
  writeFileSync(tmp, SUDOERS, { mode: 0o440 });
  execFileSync('visudo', ['-cqf', tmp], { stdio: ['ignore', 'ignore', 'pipe'] });
  chmodSync(tmp, 0o440);
  renameSync(tmp, SUDOERS_FILE);
  return true;
}

/**
 * Who logs in and what sudo can do on this machine.
 * @returns {{ user: string, uid: number, gid: number, root: boolean,
 *   sudo: { passwordless: boolean, passwordUser: null | { name: string, password: string }, skipReason: string | null } }}
 */
export function setupUsers() {
  if (!isRoot()) {
    const me = userInfo();
    return {
      user: me.username,
      uid: me.uid,
      gid: me.gid,
      root: false,
      sudo: {
        passwordless: false,
        passwordUser: null,
        skipReason: `the test bed runs as non-root user ${me.username}; sudo tests need root (to create ${SUDO_USER} and sudoers rules)`,
      },
    };
  }
  const main = ensureUser(SUDO_USER);
  ensureUser(PASSWORD_USER);
  execFileSync('chpasswd', { input: `${PASSWORD_USER}:${PASSWORD_USER_PASSWORD}\n`, stdio: ['pipe', 'ignore', 'pipe'] });
  const sudo = ensureSudoers();
  // sshd (root, privilege separation) needs its empty chroot directory.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  return {
    user: main.name,
    uid: main.uid,
    gid: main.gid,
    root: true,
    sudo: {
      passwordless: sudo,
      passwordUser: sudo ? { name: PASSWORD_USER, password: PASSWORD_USER_PASSWORD } : null,
      skipReason: sudo ? null : 'sudo is not installed on this machine',
    },
  };
}
