// Start and stop the test bed: the standard fleet of real sshd hosts (src/fleet) plus
// what only tests need (a password user with sudo, an encrypted and an agent key, a
// jump alias, fault hosts). Used by vitest's global setup; see ../README.md.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchFleet, stopFleet, type FleetFiles, type FleetLayout } from '../../../src/fleet/index.js';
import type { BedInfo } from './types.js';
import { PASSWORD_USER, setupUsers } from './users.js';

export const ENCRYPTED_KEY_PASSPHRASE = 'dpl test passphrase';

/** Where beds live in /tmp (kept from the JS bed, so stale ones are still cleaned up). */
export const BED_FILES: FleetFiles = { prefix: 'dpl-sshbed-', info: 'bed.json', locks: 'dpl-sshbed-locks' };

/** The standard test bed: 8 hosts plus the fault hosts. */
export const TEST_LAYOUT: FleetLayout = {
  kind: 'test',
  basePort: 2201,
  slotStride: 20,
  hosts: [
    ...[0, 1, 2, 3, 4, 5].map((i) => ({ name: `web-${i}`, address: `127.0.10.${i + 1}` })),
    { name: 'lb-0', address: '127.0.10.7' },
    { name: 'bastion', address: '127.0.10.8' },
    // Real sshd, but its key is not in known_hosts.
    { name: 'stranger', address: '127.0.10.9', fault: 'unknown-key' },
    // Real sshd, but known_hosts records a different key for it.
    { name: 'imposter', address: '127.0.10.10', fault: 'changed-key' },
  ],
  // Nothing listens here: connections are refused.
  refused: { name: 'refused', address: '127.0.10.11' },
  jumpAliases: [{ name: 'web-1-via-bastion', target: 'web-1', jump: 'bastion' }],
  files: BED_FILES,
};

/** Start every sshd of `layout`; the info is also written to <dir>/bed.json (DPL_SSH_BED). */
export async function startBed(layout: FleetLayout = TEST_LAYOUT): Promise<BedInfo> {
  const { user, sudo } = await setupUsers();
  const info = await launchFleet<Pick<BedInfo, 'sudo'>>(layout, {
    user,
    extraUsers: user.root ? [PASSWORD_USER] : [],
    // Password login exists for the password-auth tests (dplsudo); loopback only.
    passwordAuth: user.root,
    clientKeys: { id_encrypted: ENCRYPTED_KEY_PASSPHRASE, id_agent: '' },
    keyComment: 'dpl-bed',
    env: (h) => ({ DPL_BED_HOST: h.name }),
    hashOdd: true,
    purpose: 'sshd test bed',
    extra: { sudo },
  });
  const bed: BedInfo = { ...info, keys: { ...info.keys, encrypted: info.keys['encrypted']!, agent: info.keys['agent']!, encryptedPassphrase: ENCRYPTED_KEY_PASSPHRASE } };
  writeFileSync(join(bed.dir, BED_FILES.info), JSON.stringify(bed, null, 2));
  return bed;
}

/** Kill every sshd of the bed (including ones restarted by tests and scratch hosts) and remove its directory. */
export const stopBed = (info: BedInfo): Promise<void> => stopFleet(info);
