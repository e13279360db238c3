// Shape of the bed description (bed.json, `inject('sshBed')`). Documented in ../README.md.

export interface BedHost {
  name: string;
  address: string;
  port: number;
  /** The host's own directory tree; also its $HOME (sshd SetEnv). Tests use absolute paths under it. */
  root: string;
  /** null for normal hosts; 'unknown-key' (stranger) or 'changed-key' (imposter). */
  fault: 'unknown-key' | 'changed-key' | null;
  keyType: string;
  /** SHA256:... of the host key, as ssh-keygen -l prints it. */
  fingerprint: string;
  /** `[address]:port`, the name known_hosts uses. */
  knownHostsName: string;
  sshdDir: string;
  configFile: string;
  hostKeyFile: string;
  pidFile: string;
  logFile: string;
}

export interface BedInfo {
  version: 1;
  kind: 'test' | 'bench';
  dir: string;
  ownerPid: number;
  slot: number;
  slotLock: string;
  /** True when the bed runs as root (dedicated users, sudo available). */
  root: boolean;
  /** Hosts can allocate a pty (sshd runs as root). */
  pty: boolean;
  /** Login user on every host (dpltest as root, else the current user). */
  user: string;
  uid: number;
  gid: number;
  sudo: {
    /** `sudo` works without a password for `user`. */
    passwordless: boolean;
    /** A second user whose sudo (and ssh password login) needs this password. */
    passwordUser: { name: string; password: string } | null;
    /** Why sudo tests must skip, or null. */
    skipReason: string | null;
  };
  /** ssh_config with an alias per host (web-0, bastion, web-1-via-bastion, stranger, imposter, refused). */
  configFile: string;
  knownHostsFile: string;
  keys: { plain: string; encrypted: string; encryptedPassphrase: string; agent: string };
  hosts: Record<string, BedHost>;
  /** Normal hosts (no fault), in order: web-0 … web-5, lb-0, bastion. */
  names: string[];
  /** Nothing listens here: connecting is refused. */
  refused: { name: string; address: string; port: number } | null;
  jumpAliases: Array<{ name: string; target: string; jump: string }>;
}
