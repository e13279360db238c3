// A whole fleet in one call: hosts on fixed loopback addresses whose ports move with a
// slot, a login user, client keys authorized everywhere, known_hosts, an ssh_config
// with an alias per host, all under one /tmp directory with an info file (the shape
// of the test bed's bed.json). Used by the test bed, the bench and dpl-deploy/testing;
// the sandbox builds its own layout from the same pieces.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DplError } from '../core/errors.js';
import { prepareHosts, startHosts, type FleetHost, type HostFault } from './hosts.js';
import { keygen } from './keys.js';
import { cmdline, descendants, isAlive, readPid, signal, sleep } from './procs.js';
import { readLock, takeSlot, unlock, type SlotLocks } from './slots.js';
import { sshConfigText } from './ssh-files.js';
import { which } from './tools.js';
import { loginUser, type LoginUser } from './users.js';

/** Where a kind of fleet lives in /tmp: its directories, info file and slot locks. */
export interface FleetFiles {
  prefix: string;
  info: string;
  locks: string;
}

export const FLEET_FILES: FleetFiles = { prefix: 'dpl-fleet-', info: 'fleet.json', locks: 'dpl-fleet-locks' };

export interface FleetLayout {
  /** Names the slot locks (`<kind>-<slot>.lock`): fleets of one kind share a port range. */
  kind: string;
  /** Host i of slot s listens on basePort + s * slotStride + i. */
  basePort: number;
  slotStride: number;
  slots?: number;
  hosts: Array<{ name: string; address: string; fault?: HostFault }>;
  /** An alias where nothing listens (connection refused). */
  refused?: { name: string; address: string };
  /** ssh_config aliases that reach `target` through `jump` (ProxyJump). */
  jumpAliases?: Array<{ name: string; target: string; jump: string }>;
  files?: FleetFiles;
}

export interface FleetInfo {
  version: 1;
  kind: string;
  dir: string;
  ownerPid: number;
  slot: number;
  slotLock: string;
  /** The fleet runs as root (dedicated login user). */
  root: boolean;
  /** Hosts can allocate a pty (sshd runs as root). */
  pty: boolean;
  /** Login user on every host. */
  user: string;
  uid: number;
  gid: number;
  /** ssh_config with an alias per host. */
  configFile: string;
  knownHostsFile: string;
  /** Client keys, all authorized on every host; `plain` is the one ssh_config names. */
  keys: { plain: string } & Record<string, string>;
  hosts: Record<string, FleetHost>;
  /** Hosts without a fault, in order. */
  names: string[];
  refused: { name: string; address: string; port: number } | null;
  jumpAliases: Array<{ name: string; target: string; jump: string }>;
}

export interface LaunchOptions {
  /** The login user (default: `dpltest` as root, else the current user). */
  user?: LoginUser;
  /** More users sshd lets in (the bed's password user) and whether passwords are accepted. */
  extraUsers?: string[];
  passwordAuth?: boolean;
  /** More client keys (file name in client/ → passphrase, '' for none), authorized like `plain`. */
  clientKeys?: Record<string, string>;
  /** Key comments start with this (`<c>-plain`, `<c>-host-web-0`). */
  keyComment?: string;
  /** SetEnv per host besides HOME. */
  env?(h: FleetHost): Record<string, string>;
  /** Fields merged into the info (and its file) before any host starts. */
  extra?: Record<string, unknown>;
  /** Hash the known_hosts entries of odd hosts. */
  hashOdd?: boolean;
  /** Why the fleet exists, for its ssh_config's header. */
  purpose?: string;
}

const lockSpec = (files: FleetFiles, kind: string): SlotLocks => ({
  dir: join(tmpdir(), files.locks),
  file: (n) => `${kind}-${n}.lock`,
  content: String(process.pid),
  stale: (text) => {
    const owner = Number(text?.trim());
    return !(Number.isInteger(owner) && owner > 0 && isAlive(owner));
  },
});

/** Start every sshd of `layout`; the info is also written to `<dir>/<files.info>`. */
export async function launchFleet<X extends object = object>(layout: FleetLayout, o: LaunchOptions = {}): Promise<FleetInfo & X> {
  const files = layout.files ?? FLEET_FILES;
  if (!which('sshd')) throw new DplError('sshd not found: a fleet runs real OpenSSH servers', { code: 'fleet.failed', hint: 'install openssh-server' });
  if (layout.hosts.length + (layout.refused ? 1 : 0) > layout.slotStride) throw new Error(`${layout.kind} fleet: more hosts than ports per slot (${layout.slotStride})`);
  cleanupStaleFleets(files);
  const user = o.user ?? loginUser();
  const locks = lockSpec(files, layout.kind);
  const all = [...layout.hosts, ...(layout.refused ? [layout.refused] : [])];
  const { slot, lock } = await takeSlot(locks, {
    slots: layout.slots ?? 40,
    endpoints: (s) => all.map((h, i): [string, number] => [h.address, layout.basePort + s * layout.slotStride + i]),
    what: `${layout.kind} fleet`,
    lockedHint: `are ${layout.slots ?? 40} ${layout.kind} fleets running? (locks in ${locks.dir})`,
  });
  const base = layout.basePort + slot * layout.slotStride;
  const dir = mkdtempSync(join(tmpdir(), files.prefix));
  chmodSync(dir, 0o755);
  const partial = { version: 1, kind: layout.kind, dir, ownerPid: process.pid, slot, slotLock: lock, hosts: {} } as unknown as FleetInfo;
  try {
    for (const d of ['client', 'sshd', 'hosts', 'scratch', 'tmp']) mkdirSync(join(dir, d), { mode: 0o755 });
    const client = join(dir, 'client');
    const c = o.keyComment ?? 'dpl-fleet';
    const keys: FleetInfo['keys'] = { plain: join(client, 'id_ed25519') };
    const authorized = [keygen(keys.plain, { comment: `${c}-plain` }).line];
    for (const [name, passphrase] of Object.entries(o.clientKeys ?? {})) {
      keys[name.replace(/^id_/, '')] = join(client, name);
      authorized.push(keygen(join(client, name), { passphrase, comment: `${c}-${name.replace(/^id_/, '')}` }).line);
    }
    const authorizedKeys = join(client, 'authorized_keys');
    writeFileSync(authorizedKeys, authorized.join('\n') + '\n', { mode: 0o644 });
    const wrongKey = layout.hosts.some((h) => h.fault === 'changed-key') ? keygen(join(client, 'not_the_imposter_key'), { comment: `${c}-other` }) : undefined;
    const { hosts, knownHosts } = prepareHosts(
      layout.hosts.map((h, i) => ({ ...h, port: base + i })),
      {
        dir,
        authorizedKeys,
        allowUsers: [user.name, ...(o.extraUsers ?? [])],
        passwordAuth: o.passwordAuth,
        owner: user.root ? user : undefined,
        env: o.env,
        keyComment: `${c}-host`,
        hashOdd: o.hashOdd,
        wrongKey,
      },
    );
    const knownHostsFile = join(dir, 'known_hosts');
    writeFileSync(knownHostsFile, knownHosts, { mode: 0o644 });
    const refused = layout.refused ? { ...layout.refused, port: base + layout.hosts.length } : null;
    const configFile = join(dir, 'ssh_config');
    const info: FleetInfo = {
      ...partial,
      root: user.root,
      // sshd not running as root cannot hand out pseudo-terminals.
      pty: user.root,
      user: user.name,
      uid: user.uid,
      gid: user.gid,
      configFile,
      knownHostsFile,
      keys,
      hosts,
      names: layout.hosts.filter((h) => !h.fault).map((h) => h.name),
      refused,
      jumpAliases: layout.jumpAliases ?? [],
      ...o.extra,
    };
    Object.assign(partial, info);
    const header = [
      `dpl ${o.purpose ?? `${layout.kind} fleet`} (${dir})`,
      `  ssh -F ${configFile} ${info.names[0] ?? ''} uname -n`.trimEnd(),
      `  dpl -F ${configFile} -H ${info.names.slice(0, 2).join(',')} -- uname -n`,
    ];
    const sshConfig = sshConfigText({ header, hosts: Object.values(hosts), jumpAliases: info.jumpAliases, refused, knownHostsFile, user: user.name, identityFile: keys.plain });
    writeFileSync(configFile, sshConfig, { mode: 0o644 });
    writeFileSync(join(dir, files.info), JSON.stringify(info, null, 2));
    await startHosts(Object.values(hosts));
    return info as FleetInfo & X;
  } catch (err) {
    await stopFleet(partial);
    throw err;
  }
}

/** Kill every sshd of the fleet (hosts restarted by tests and scratch hosts too) and remove its directory. */
export async function stopFleet(info: Pick<FleetInfo, 'dir' | 'hosts' | 'slotLock'> | undefined): Promise<void> {
  if (!info?.dir) return;
  killFleetProcesses(info);
  await sleep(50);
  rmSync(info.dir, { recursive: true, force: true });
  unlock(info.slotLock, String(process.pid));
}

/** SIGKILL the sshds of one fleet: only processes whose command line names its directory (pids get reused). */
export function killFleetProcesses(info: Pick<FleetInfo, 'dir' | 'hosts'>): void {
  const pidFiles = Object.values(info.hosts ?? {}).map((h) => h.pidFile);
  try {
    for (const d of readdirSync(join(info.dir, 'scratch'))) pidFiles.push(join(info.dir, 'scratch', d, 'sshd.pid'));
  } catch {
    // no scratch hosts
  }
  for (const pidFile of pidFiles) {
    const pid = readPid(pidFile);
    if (pid === null || !isAlive(pid) || !cmdline(pid).includes(info.dir)) continue;
    signal([pid, ...descendants(pid)], 'SIGKILL');
  }
}

/** Remove fleets left behind by processes that died before tearing them down. */
export function cleanupStaleFleets(files: FleetFiles = FLEET_FILES): void {
  let entries: string[] = [];
  try {
    entries = readdirSync(tmpdir()).filter((e) => e.startsWith(files.prefix) && e !== files.locks);
  } catch {
    return;
  }
  for (const entry of entries) {
    const dir = join(tmpdir(), entry);
    let info: FleetInfo | undefined;
    try {
      info = JSON.parse(readFileSync(join(dir, files.info), 'utf8')) as FleetInfo;
    } catch {
      continue; // still being created, or not ours
    }
    if (!info || typeof info.ownerPid !== 'number' || isAlive(info.ownerPid)) continue;
    try {
      killFleetProcesses(info);
      rmSync(dir, { recursive: true, force: true });
      if (info.slotLock && readLock(info.slotLock)?.trim() === String(info.ownerPid)) rmSync(info.slotLock, { force: true });
    } catch {
      // owned by another user: leave it
    }
  }
}
