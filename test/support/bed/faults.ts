// Fault helpers (real ones): kill or restart a bed host's sshd, private scratch hosts
// for tests that kill things or count connections, and a private ssh-agent.
import { execFileSync, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  descendants,
  establishedConnections,
  freePort,
  killSshd,
  prepareHost,
  sshConfigText,
  sshdPid,
  startSshd,
  waitUntil,
} from '../../../src/fleet/index.js';
import type { BedHost, BedInfo } from './types.js';
import { PASSWORD_USER } from './users.js';

function hostOf(info: BedInfo, name: string): BedHost {
  const h = info.hosts[name];
  if (!h) throw new Error(`no bed host named ${name}`);
  return h;
}

/** SIGKILL a host's sshd and every connection/session under it. Other tests may use shared hosts: prefer scratch hosts. */
export const killHost = (info: BedInfo, name: string): Promise<boolean> => killSshd(hostOf(info, name));

/** Start a host's sshd again (same address, port and key). Survives the calling test worker. */
export async function restartHost(info: BedInfo, name: string): Promise<void> {
  const h = hostOf(info, name);
  if (!sshdPid(h)) await startSshd(h, { detached: true });
}

export interface ScratchHost extends BedHost {
  /** Pins only this host. */
  knownHostsFile: string;
  /** Its ssh_config (alias = name); sshd's own config is `<sshdDir>/sshd_config`. */
  configFile: string;
  /** Server-side ESTABLISHED TCP connections to this host. */
  connections(): number;
  /** pids of the sshd processes serving connections (children of the listener). */
  sessionPids(): number[];
  kill(): Promise<boolean>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A private sshd for one test file: its own address (127.0.10.100-249), port, key,
 * known_hosts and ssh_config (alias = name). Call stop() when done; the bed's
 * teardown also kills leftovers (it looks in <bed>/scratch).
 */
export async function startScratchHost(info: BedInfo, name = 'scratch'): Promise<ScratchHost> {
  const dir = mkdtempSync(join(info.dir, 'scratch', `${name}-`));
  chmodSync(dir, 0o755);
  const address = `127.0.10.${100 + randomInt(150)}`;
  const port = await freePort(address);
  const paths = {
    sshdDir: dir,
    root: join(dir, 'root'),
    configFile: join(dir, 'sshd_config'),
    hostKeyFile: join(dir, 'ssh_host_ed25519_key'),
    pidFile: join(dir, 'sshd.pid'),
    logFile: join(dir, 'sshd.log'),
  };
  const { host, known } = prepareHost(
    { name, address, port },
    {
      dir,
      paths,
      authorizedKeys: join(info.dir, 'client', 'authorized_keys'),
      allowUsers: info.root ? [info.user, PASSWORD_USER] : [info.user],
      passwordAuth: info.root,
      owner: info.root ? info : undefined,
      env: (h) => ({ DPL_BED_HOST: h.name }),
      keyComment: 'dpl-bed-scratch',
    },
  );
  const knownHostsFile = join(dir, 'known_hosts');
  writeFileSync(knownHostsFile, `${known}\n`);
  const configFile = join(dir, 'ssh_config');
  writeFileSync(
    configFile,
    sshConfigText({ header: [`dpl test bed scratch host ${name}`], hosts: [host], knownHostsFile, user: info.user, identityFile: info.keys.plain }),
  );
  await startSshd(host, { detached: true });
  return {
    ...host,
    knownHostsFile,
    configFile,
    connections: () => establishedConnections(address, port),
    sessionPids: () => {
      const pid = sshdPid(host);
      return pid ? descendants(pid) : [];
    },
    kill: () => killSshd(host),
    restart: async () => {
      if (!sshdPid(host)) await startSshd(host, { detached: true });
    },
    stop: async () => {
      await killSshd(host);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A private ssh-agent holding `keys`; stop() kills it. */
export async function startAgent(keys: string[]): Promise<{ socket: string; pid: number; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(process.env['TMPDIR'] ?? '/tmp', 'dpl-agent-'));
  const socket = join(dir, 'agent.sock');
  const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
  await waitUntil('ssh-agent to start', () => existsSync(socket), 5000, 10);
  for (const k of keys) execFileSync('ssh-add', ['-q', k], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'pipe' });
  return {
    socket,
    pid: agent.pid!,
    stop: async () => {
      agent.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
