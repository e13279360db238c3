// Login users for the test bed. As root: `dpltest` (the fleet's login user, passwordless
// sudo) and `dplsudo` (sudo asks a password, also used for ssh password auth). As
// non-root: the current user, no sudo. Users and /etc/sudoers.d/dpl-testbed stay in
// place (idempotent; several beds may run at once).
import { ensureUser, hasSudo, isRoot, LOGIN_USER_AS_ROOT, loginUser, setPassword, writeSudoers, type LoginUser } from '../../../src/fleet/index.js';
import type { BedInfo } from './types.js';

export const SUDO_USER = LOGIN_USER_AS_ROOT;
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

/** Who logs in and what sudo can do on this machine. */
export async function setupUsers(): Promise<{ user: LoginUser; sudo: BedInfo['sudo'] }> {
  const user = loginUser();
  if (!isRoot()) {
    const skipReason = `the test bed runs as non-root user ${user.name}; sudo tests need root (to create ${SUDO_USER} and sudoers rules)`;
    return { user, sudo: { passwordless: false, passwordUser: null, skipReason } };
  }
  ensureUser(PASSWORD_USER);
  await setPassword(PASSWORD_USER, PASSWORD_USER_PASSWORD);
  const sudo = hasSudo();
  if (sudo) writeSudoers(SUDOERS_FILE, SUDOERS);
  return {
    user,
    sudo: {
      passwordless: sudo,
      passwordUser: sudo ? { name: PASSWORD_USER, password: PASSWORD_USER_PASSWORD } : null,
      skipReason: sudo ? null : 'sudo is not installed on this machine',
    },
  };
}
