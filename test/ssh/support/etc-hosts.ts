// Test-only names in /etc/hosts for the canonicalization cases (CanonicalizeHostname needs
// names that resolve, and nothing may be asked of a real resolver). Each name is listed with
// and without the trailing dot: ssh resolves "name.domain." and glibc's files backend
// matches it only literally. Lines carry MARK so they can be found again; each test run
// registers its pid, and the last live run to finish removes them (runs may overlap).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const HOSTS = '/etc/hosts';
const MARK = '# dpl-test: ssh_config differential (test/ssh/support/etc-hosts.ts)';
const USERS = '/tmp/dpl-etc-hosts-users';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Why the names cannot be added here, or null. */
export function etcHostsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'not root: cannot add test names to /etc/hosts';
  return null;
}

/** Add `address name name.` lines (idempotent) and register this process as a user of them. */
export function addTestNames(names: Record<string, string>): void {
  mkdirSync(USERS, { recursive: true });
  writeFileSync(join(USERS, String(process.pid)), '');
  const text = readFileSync(HOSTS, 'utf8');
  const have = new Set(text.split('\n').filter((l) => l.includes(MARK)));
  const lines = Object.entries(names)
    .map(([name, address]) => `${address} ${name} ${name}. ${MARK}`)
    .filter((l) => !have.has(l));
  // Written in place (not renamed over): /etc/hosts may be a bind mount.
  if (lines.length) writeFileSync(HOSTS, (text.endsWith('\n') || !text ? text : text + '\n') + lines.join('\n') + '\n');
}

/** Unregister; the last live user removes every marked line. */
export function removeTestNames(): void {
  rmSync(join(USERS, String(process.pid)), { force: true });
  const others = existsSync(USERS) ? readdirSync(USERS).map(Number).filter((pid) => pid !== process.pid && alive(pid)) : [];
  if (others.length) return;
  const text = readFileSync(HOSTS, 'utf8');
  const kept = text.split('\n').filter((l) => !l.includes(MARK));
  if (kept.length !== text.split('\n').length) writeFileSync(HOSTS, kept.join('\n'));
}
