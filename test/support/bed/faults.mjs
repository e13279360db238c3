// Fault helpers (real ones): kill or restart a host's sshd, private scratch hosts
// for tests that kill things or count connections, and a private ssh-agent.
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { keygen, fingerprint, knownHostsLine, knownHostName } from './keys.mjs';
import { PASSWORD_USER } from './users.mjs';
import { freePort, killSshd, startSshd, writeSshdFiles, establishedConnections, sshdPid, descendants } from './sshd.mjs';
import { sshConfigText } from './ssh-config.mjs';

/** SIGKILL a host's sshd and every connection/session under it. Other tests may use shared hosts: prefer scratch hosts. */
export async function killHost(info, name) {
  const h = hostOf(info, name);
  return killSshd(h);
}

/** Start a host's sshd again (same address, port and key). Survives the calling test worker. */
export async function restartHost(info, name) {
  const h = hostOf(info, name);
  if (sshdPid(h)) return;
  await startSshd(h, { detached: true });
}

function hostOf(info, name) {
  const h = info.hosts[name] ?? info.scratch?.[name];
  if (!h) throw new Error(`no bed host named ${name}`);
  return h;
}

let scratchCount = 0;

/**
 * A private sshd for one test file: its own address (127.0.10.100-250), port, key,
 * known_hosts and ssh_config (alias = name). Call stop() when done; the bed's
 * teardown also kills leftovers.
 */
export async function startScratchHost(info, name = 'scratch') {
  const dir = mkdtempSync(join(info.dir, 'scratch', `${name}-`));
  chmodSync(dir, 0o755);
  const address = `127.0.10.${100 + ((process.pid * 7 + scratchCount++ * 13) % 150)}`;
  const port = await freePort(address);
  const root = join(dir, 'root');
  mkdirSync(root, { mode: 0o755 });
  if (info.root) chownSync(root, info.uid, info.gid);
  const h = {
    name,
    address,
    port,
    root,
    fault: null,
    sshdDir: dir,
    configFile: join(dir, 'sshd_config'),
    hostKeyFile: join(dir, 'ssh_host_ed25519_key'),
    pidFile: join(dir, 'sshd.pid'),
    logFile: join(dir, 'sshd.log'),
  };
  const key = keygen(h.hostKeyFile, { comment: `dpl-bed-scratch-${name}` });
  Object.assign(h, { keyType: key.type, fingerprint: fingerprint(key.base64), knownHostsName: knownHostName(address, port) });
  const allowUsers = info.root ? [info.user, PASSWORD_USER] : [info.user];
  writeSshdFiles(h, { authorizedKeys: join(info.dir, 'client', 'authorized_keys'), allowUsers, root: info.root });
  const knownHostsFile = join(dir, 'known_hosts');
  writeFileSync(knownHostsFile, knownHostsLine(address, port, key) + '\n');
  const configFile = join(dir, 'ssh_config');
  writeFileSync(
    configFile,
    sshConfigText({ ...info, configFile, knownHostsFile, hosts: { [name]: h }, jumpAliases: [], refused: null }),
  );
  await startSshd(h, { detached: true });
  return {
    ...h,
    knownHostsFile,
    configFile,
    /** Server-side ESTABLISHED TCP connections to this host. */
    connections: () => establishedConnections(address, port),
    /** pids of the sshd processes serving connections (children of the listener). */
    sessionPids: () => {
      const pid = sshdPid(h);
      return pid ? descendants(pid) : [];
    },
    kill: () => killSshd(h),
    restart: async () => {
      if (!sshdPid(h)) await startSshd(h, { detached: true });
    },
    stop: async () => {
      await killSshd(h);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A private ssh-agent holding `keys`; stop() kills it. */
export async function startAgent(keys) {
  const dir = mkdtempSync(join(process.env.TMPDIR ?? '/tmp', 'dpl-agent-'));
  const socket = join(dir, 'agent.sock');
  const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
  const deadline = Date.now() + 5000;
  while (!existsSync(socket)) {
    if (Date.now() > deadline) throw new Error('ssh-agent did not start');
    await new Promise((r) => setTimeout(r, 10));
  }
  for (const k of keys) execFileSync('ssh-add', ['-q', k], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'pipe' });
  return {
    socket,
    pid: agent.pid,
    stop: async () => {
      agent.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
