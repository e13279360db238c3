// Fleet hosts on disk and running: per host a directory with its sshd files
// (`<dir>/sshd/<name>/`), its own tree (`<dir>/hosts/<name>/`, its $HOME through
// sshd's SetEnv, owned by the login user), a host key, and a known_hosts line.
import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keygen, knownHostName, knownHostsLine, type PublicKey } from './keys.js';
import { sshdConfigText, startSshd, type SshdFiles, type SshdOptions } from './sshd.js';

/** 'unknown-key': a real sshd whose key known_hosts lacks; 'changed-key': known_hosts records another key. */
export type HostFault = 'unknown-key' | 'changed-key';

export interface FleetHost extends SshdFiles {
  /** The host's own directory tree; also its $HOME. */
  root: string;
  fault: HostFault | null;
  keyType: string;
  /** SHA256:... of the host key, as ssh-keygen -l prints it. */
  fingerprint: string;
  /** `[address]:port`, the name known_hosts uses. */
  knownHostsName: string;
  sshdDir: string;
}

export interface HostSpec {
  name: string;
  address: string;
  port: number;
  fault?: HostFault;
}

export interface PrepareHosts extends Omit<SshdOptions, 'env'> {
  /** The fleet's directory: sshd/ and hosts/ are made in it. */
  dir: string;
  /** Owner of each host tree (the login user, when we are root). */
  owner?: { uid: number; gid: number };
  /** SetEnv per host besides HOME (its tree). */
  env?(h: FleetHost): Record<string, string>;
  /** Comment of the host keys: `<keyComment>-<name>`. */
  keyComment: string;
  /** Hash the known_hosts entries of odd hosts (so both forms are always in use). */
  hashOdd?: boolean;
  /** The key known_hosts records for 'changed-key' hosts. */
  wrongKey?: PublicKey;
}

/** Paths of a host's sshd files and tree under `dir`. */
export function hostPaths(dir: string, name: string): Pick<FleetHost, 'sshdDir' | 'root' | 'configFile' | 'hostKeyFile' | 'pidFile' | 'logFile'> {
  const sshdDir = join(dir, 'sshd', name);
  return {
    sshdDir,
    root: join(dir, 'hosts', name),
    configFile: join(sshdDir, 'sshd_config'),
    hostKeyFile: join(sshdDir, 'ssh_host_ed25519_key'),
    pidFile: join(sshdDir, 'sshd.pid'),
    logFile: join(sshdDir, 'sshd.log'),
  };
}

/** Make one host's directories, host key and sshd_config; its known_hosts line (undefined for 'unknown-key'). */
export function prepareHost(spec: HostSpec, o: PrepareHosts & { hashed?: boolean; paths?: ReturnType<typeof hostPaths> }): { host: FleetHost; known?: string } {
  const paths = o.paths ?? hostPaths(o.dir, spec.name);
  mkdirSync(paths.sshdDir, { recursive: true, mode: 0o755 });
  mkdirSync(paths.root, { recursive: true, mode: 0o755 });
  if (o.owner) chownSync(paths.root, o.owner.uid, o.owner.gid);
  const key = keygen(paths.hostKeyFile, { comment: `${o.keyComment}-${spec.name}` });
  const host: FleetHost = {
    name: spec.name,
    address: spec.address,
    port: spec.port,
    ...paths,
    fault: spec.fault ?? null,
    keyType: key.type,
    fingerprint: key.fingerprint,
    knownHostsName: knownHostName(spec.address, spec.port),
  };
  const env = { HOME: host.root, ...o.env?.(host) };
  writeFileSync(host.configFile, sshdConfigText(host, { authorizedKeys: o.authorizedKeys, allowUsers: o.allowUsers, passwordAuth: o.passwordAuth, env, extra: o.extra }));
  if (spec.fault === 'unknown-key') return { host };
  if (spec.fault === 'changed-key') {
    if (!o.wrongKey) throw new Error(`host ${spec.name}: a changed-key fault needs the other key`);
    return { host, known: knownHostsLine(spec.address, spec.port, o.wrongKey) };
  }
  return { host, known: knownHostsLine(spec.address, spec.port, key, { hashed: o.hashed }) };
}

/** Every host of `specs`, in order; with the known_hosts text that pins them. */
export function prepareHosts(specs: readonly HostSpec[], o: PrepareHosts): { hosts: Record<string, FleetHost>; knownHosts: string } {
  const hosts: Record<string, FleetHost> = {};
  const known: string[] = [];
  specs.forEach((spec, i) => {
    const r = prepareHost(spec, { ...o, hashed: !!o.hashOdd && i % 2 === 1 });
    hosts[spec.name] = r.host;
    if (r.known) known.push(r.known);
  });
  return { hosts, knownHosts: known.join('\n') + '\n' };
}

/** Start the sshd of every host, `batch` at a time (50 at once would starve 2 cores). */
export async function startHosts(hosts: readonly SshdFiles[], o: { batch?: number; detached?: boolean } = {}): Promise<void> {
  const batch = o.batch ?? 10;
  for (let i = 0; i < hosts.length; i += batch) await Promise.all(hosts.slice(i, i + batch).map((h) => startSshd(h, { detached: o.detached })));
}
