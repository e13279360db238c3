// Shape of the bed description (bed.json, `inject('sshBed')`): a fleet (src/fleet) plus
// the bed's sudo facts and extra client keys. Documented in ../README.md.
import type { FleetHost, FleetInfo } from '../../../src/fleet/index.js';

export type BedHost = FleetHost;

export interface BedInfo extends FleetInfo {
  sudo: {
    /** `sudo` works without a password for `user`. */
    passwordless: boolean;
    /** A second user whose sudo (and ssh password login) needs this password. */
    passwordUser: { name: string; password: string } | null;
    /** Why sudo tests must skip, or null. */
    skipReason: string | null;
  };
  keys: { plain: string; encrypted: string; encryptedPassphrase: string; agent: string };
}
