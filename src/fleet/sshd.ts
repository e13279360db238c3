// One real OpenSSH sshd per fleet host: its config, start (ready once its pid file
// names it), liveness, and stop: gently (SIGTERM) or as a crash (SIGKILL) with every
// connection and session below it.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { DplError } from '../core/errors.js';
import { descendants, killAll, livePid, readPid, sleep, stopAll } from './procs.js';
import { which } from './tools.js';

/** Where one sshd keeps its files. */
export interface SshdFiles {
  name: string;
  address: string;
  port: number;
  /** sshd_config */
  configFile: string;
  hostKeyFile: string;
  pidFile: string;
  logFile: string;
}

export interface SshdOptions {
  authorizedKeys: string;
  allowUsers: string[];
  /** Password logins (the bed's password user); keys only otherwise. */
  passwordAuth?: boolean;
  /** SetEnv for every session: HOME (the host's own tree) and whatever else the host needs. */
  env: Record<string, string>;
  /** Lines placed right after the comment: sshd keeps the first value it reads. */
  extra?: string[];
}

const setEnvValue = (v: string): string => (/[\s"]/.test(v) ? `"${v.replace(/"/g, '\\"')}"` : v);

export function sshdConfigText(h: SshdFiles, o: SshdOptions): string {
  return [
    `# dpl fleet host ${h.name}`,
    ...(o.extra ?? []),
    `ListenAddress ${h.address}:${h.port}`,
    `HostKey ${h.hostKeyFile}`,
    `PidFile ${h.pidFile}`,
    `AuthorizedKeysFile ${o.authorizedKeys}`,
    'StrictModes no',
    'UsePAM no',
    'PubkeyAuthentication yes',
    `PasswordAuthentication ${o.passwordAuth ? 'yes' : 'no'}`,
    'KbdInteractiveAuthentication no',
    'PermitRootLogin no',
    `AllowUsers ${o.allowUsers.join(' ')}`,
    'PrintMotd no',
    'PrintLastLog no',
    'UseDNS no',
    'MaxStartups 200:30:400',
    'MaxAuthTries 10',
    'LoginGraceTime 30',
    'LogLevel INFO',
    `SetEnv ${Object.entries(o.env).map(([k, v]) => `${k}=${setEnvValue(v)}`).join(' ')}`,
    'Subsystem sftp internal-sftp',
    // dpl reaches an HAProxy admin socket (streamlocal) and health endpoints (direct-tcpip) through hosts.
    'AllowTcpForwarding yes',
    'AllowStreamLocalForwarding yes',
    'X11Forwarding no',
    '',
  ].join('\n');
}

function tail(file: string, lines = 8): string {
  return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '';
}

/**
 * Start sshd (`-D -e`, its log in logFile) and wait until it has written its pid file,
 * which sshd does once it listens. `detached`: it outlives this process (own session),
 * as a sandbox's hosts and hosts restarted by a test worker must.
 */
export async function startSshd(h: SshdFiles, o: { detached?: boolean; timeoutMs?: number; sshd?: string } = {}): Promise<number> {
  const sshd = o.sshd ?? which('sshd');
  if (!sshd) throw new DplError('sshd not found', { code: 'fleet.failed', hint: 'install openssh-server' });
  rmSync(h.pidFile, { force: true });
  const log = openSync(h.logFile, 'a');
  const child = spawn(sshd, ['-D', '-e', '-f', h.configFile], { stdio: ['ignore', log, log], detached: !!o.detached });
  closeSync(log);
  let exited: string | undefined;
  child.once('exit', (code, sig) => (exited = `exit ${code ?? sig}`));
  child.once('error', (e) => (exited = e.message));
  if (o.detached) child.unref();
  const deadline = Date.now() + (o.timeoutMs ?? 10_000);
  while (!exited && Date.now() < deadline) {
    if (readPid(h.pidFile) === child.pid) return child.pid;
    await sleep(15);
  }
  if (!exited) child.kill('SIGKILL');
  const text = tail(h.logFile);
  throw new DplError(`sshd for ${h.name} (${h.address}:${h.port}) did not start${exited ? ` (${exited})` : ' in time'}${text ? `:\n${text}` : ''}`, {
    code: 'fleet.failed',
    hint: `its config is ${h.configFile}; \`${sshd} -t -f ${h.configFile}\` checks it`,
  });
}

/** The listener's pid while it runs. */
export function sshdPid(h: Pick<SshdFiles, 'pidFile'>): number | null {
  return livePid(h.pidFile);
}

/** The listener and everything under it (connections, sessions, commands still running). */
export function sshdProcesses(h: Pick<SshdFiles, 'pidFile'>): number[] {
  const pid = sshdPid(h);
  return pid === null ? [] : [pid, ...descendants(pid)];
}

/** Stop sshd and its sessions (SIGTERM, then SIGKILL); resolves with pids that would not die. */
export async function stopSshd(h: Pick<SshdFiles, 'pidFile'>, graceMs = 1000): Promise<number[]> {
  const left = await stopAll(sshdProcesses(h), graceMs);
  rmSync(h.pidFile, { force: true });
  return left;
}

/** Kill sshd as a crash would (SIGKILL to the listener, every connection and session): open connections drop. False when it was not running. */
export async function killSshd(h: Pick<SshdFiles, 'pidFile'>): Promise<boolean> {
  const pid = readPid(h.pidFile);
  if (pid === null) return false;
  await killAll([pid, ...descendants(pid)]);
  rmSync(h.pidFile, { force: true });
  return true;
}
