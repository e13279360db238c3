// One real OpenSSH sshd per sandbox host, started as a daemon (it outlives
// `dpl sandbox up`) and stopped by the pid in its pid file, with every connection
// and session below it.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { DplError } from '../core/errors.js';
import type { SandboxHost } from './layout.js';
import { descendants, livePid, sleep, stopAll } from './procs.js';

function tail(file: string, lines = 8): string {
  return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '';
}

function accepts(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: address, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Start sshd for `h` and wait until it has written its pid and accepts connections. */
export async function startSshd(sshd: string, h: SandboxHost, timeoutMs = 10_000): Promise<number> {
  rmSync(h.sshd.pidFile, { force: true });
  // Without -D sshd daemonizes once it listens; the launcher's exit code reports config errors.
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(sshd, ['-f', h.sshd.config, '-E', h.sshd.logFile], { stdio: 'ignore' });
    child.once('error', () => resolve(-1));
    child.once('exit', (c) => resolve(c));
  });
  const deadline = Date.now() + timeoutMs;
  while (code === 0 && Date.now() < deadline) {
    const pid = livePid(h.sshd.pidFile);
    if (pid !== null && (await accepts(h.address, h.sshPort))) return pid;
    await sleep(20);
  }
  const log = tail(h.sshd.logFile);
  throw new DplError(`sshd for sandbox host ${h.name} (${h.address}:${h.sshPort}) did not start${code === 0 ? ' in time' : ` (exit ${code})`}${log ? `:\n${log}` : ''}`, {
    hint: `its config is ${h.sshd.config}; \`${sshd} -t -f ${h.sshd.config}\` checks it`,
  });
}

/** The sshd listener and everything under it (connections, sessions, commands still running). */
export function sshdProcesses(h: SandboxHost): number[] {
  const pid = livePid(h.sshd.pidFile);
  return pid === null ? [] : [pid, ...descendants(pid)];
}

export async function stopSshd(h: SandboxHost): Promise<number[]> {
  const left = await stopAll(sshdProcesses(h), 1000);
  rmSync(h.sshd.pidFile, { force: true });
  return left;
}
