// One real OpenSSH sshd per bed host: config file, start, readiness, kill.
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';

export function findSshd() {
  for (const p of ['/usr/sbin/sshd', '/usr/local/sbin/sshd', '/sbin/sshd']) if (existsSync(p)) return p;
  return null;
}

/**
 * sshd_config for one host. HOME is set per host with SetEnv so `~` on web-0 is
 * web-0's own root (the process cwd stays the login user's passwd home).
 */
export function sshdConfigText(h, { authorizedKeys, allowUsers, root }) {
  return [
    `# dpl test bed host ${h.name}`,
    `ListenAddress ${h.address}:${h.port}`,
    `HostKey ${h.hostKeyFile}`,
    `PidFile ${h.pidFile}`,
    `AuthorizedKeysFile ${authorizedKeys}`,
    'StrictModes no',
    'UsePAM no',
    'PubkeyAuthentication yes',
    // Password login exists for the password-auth tests (dplsudo); loopback only.
    `PasswordAuthentication ${root ? 'yes' : 'no'}`,
    'KbdInteractiveAuthentication no',
    'PermitRootLogin no',
    `AllowUsers ${allowUsers.join(' ')}`,
    'PrintMotd no',
    'PrintLastLog no',
    'UseDNS no',
    'MaxStartups 200:30:400',
    'MaxAuthTries 10',
    'LoginGraceTime 30',
    'LogLevel INFO',
    `SetEnv HOME=${h.root} DPL_BED_HOST=${h.name}`,
    'Subsystem sftp internal-sftp',
    'AllowTcpForwarding yes',
    'AllowStreamLocalForwarding yes',
    'X11Forwarding no',
    '',
  ].join('\n');
}

function readPid(pidFile) {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** True while `pid` runs (zombies count as gone: pid 1 in a container may reap slowly). */
export function isAlive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      return err.code === 'EPERM';
    }
  }
}

/** Start sshd for host `h` (fields: name, address, port, configFile, pidFile, logFile). Resolves with its pid. */
export async function startSshd(h, { detached = false, timeoutMs = 10_000 } = {}) {
  const sshd = findSshd();
  if (!sshd) throw new Error('sshd not found (install openssh-server)');
  rmSync(h.pidFile, { force: true });
  const log = openSync(h.logFile, 'a');
  const child = spawn(sshd, ['-D', '-e', '-f', h.configFile], { stdio: ['ignore', log, log], detached });
  closeSync(log);
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  child.on('error', (err) => (exited = { code: null, signal: String(err) }));
  if (detached) child.unref();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) break;
    if (readPid(h.pidFile) === child.pid) return child.pid;
    await new Promise((r) => setTimeout(r, 15));
  }
  if (!exited) child.kill('SIGKILL');
  const tailText = existsSync(h.logFile) ? readFileSync(h.logFile, 'utf8').split('\n').slice(-8).join('\n') : '';
  throw new Error(
    `sshd for ${h.name} (${h.address}:${h.port}) did not start` +
      (exited ? ` (exited ${exited.code ?? exited.signal})` : ' in time') +
      (tailText ? `:\n${tailText}` : ''),
  );
}

/** pid → ppid for every process (Linux /proc). */
export function processTable() {
  const table = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(entry), Number(fields[1]));
    } catch {
      // exited while we looked
    }
  }
  return table;
}

/** Every descendant of `pid` (children, grandchildren, ...). */
export function descendants(pid) {
  const table = processTable();
  const out = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift();
    for (const [child, parent] of table) {
      if (parent === p) {
        out.push(child);
        queue.push(child);
      }
    }
  }
  return out;
}

/**
 * Kill sshd for a host the hard way (SIGKILL): the listener, every per-connection
 * sshd and the sessions below them, so open connections drop like on a crash.
 */
export async function killSshd(h) {
  const pid = readPid(h.pidFile);
  if (pid === null) return false;
  const victims = [pid, ...descendants(pid)];
  for (const p of victims) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && victims.some(isAlive)) await new Promise((r) => setTimeout(r, 10));
  rmSync(h.pidFile, { force: true });
  return true;
}

export function sshdPid(h) {
  const pid = readPid(h.pidFile);
  return pid !== null && isAlive(pid) ? pid : null;
}

/** True when nothing listens on address:port (we could bind it ourselves). */
export function portIsFree(address, port) {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: address, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A port on `address` that nothing listens on right now (kernel-chosen). */
export function freePort(address) {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ host: address, port: 0, exclusive: true }, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Established TCP connections whose local end is address:port (server side), from /proc/net/tcp. */
export function establishedConnections(address, port) {
  const want = address.split('.').reverse().map((o) => Number(o).toString(16).padStart(2, '0')).join('').toUpperCase();
  const wantPort = port.toString(16).toUpperCase().padStart(4, '0');
  let n = 0;
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4) continue;
    if (f[1] === `${want}:${wantPort}` && f[3] === '01') n++;
  }
  return n;
}

export function writeSshdFiles(h, opts) {
  writeFileSync(h.configFile, sshdConfigText(h, opts));
}

/**
 * ESTABLISHED TCP connections from *this* process to address:port (client side),
 * matched by socket inode through /proc/self/fd: exact even on shared hosts.
 */
export function ourConnectionsTo(address, port) {
  const inodes = new Set();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  const want = address.split('.').reverse().map((o) => Number(o).toString(16).padStart(2, '0')).join('').toUpperCase();
  const wantPort = port.toString(16).toUpperCase().padStart(4, '0');
  let n = 0;
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    if (f[2] === `${want}:${wantPort}` && f[3] === '01' && inodes.has(f[9])) n++;
  }
  return n;
}
