// Running the peers the bench compares dpl with: OpenSSH ControlMaster, Fabric 2, parallel-ssh.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processTable, sshdPid } from './fleet.mjs';

const HERE = import.meta.dirname;
export const PYTHON = '/usr/bin/python3';

export function fabricAvailable() {
  if (!existsSync(PYTHON)) return false;
  return spawnSync(PYTHON, ['-c', 'import fabric'], { stdio: 'ignore' }).status === 0;
}

export function psshBinary() {
  for (const p of ['/usr/bin/parallel-ssh', '/usr/bin/pssh', '/usr/local/bin/parallel-ssh']) if (existsSync(p)) return p;
  return null;
}

const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/**
 * Wall time of a whole child process in ms, plus its CPU time (user+sys, children
 * included) and peak RSS (kB, the largest single process of the tree) when
 * /usr/bin/time exists: on a shared, loaded machine CPU time is the steadier
 * comparison. `captureStdout`: keep the child's stdout (as `stdout`). `timeoutMs`: kill the
 * child's whole process group after that long (a peer that hangs). Throws if the process fails.
 */
export function timeProcess(cmd, args, { captureStdout = false, timeoutMs, ...opts } = {}) {
  const cpuFile = TIME ? join(tmpdir(), `dpl-bench-time-${process.pid}-${Math.random().toString(36).slice(2)}`) : null;
  const [file, argv] = TIME ? [TIME, ['-f', '%U %S %M', '-o', cpuFile, cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // Its own process group when it may have to be killed: /usr/bin/time's child goes too.
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], ...(timeoutMs ? { detached: true } : {}), ...opts });
    let timedOut = false;
    const timer =
      timeoutMs &&
      setTimeout(() => {
        timedOut = true;
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, timeoutMs);
    let err = '';
    let out = '';
    if (captureStdout) child.stdout.on('data', (d) => (out += d));
    else child.stdout.resume();
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      if (timer) clearTimeout(timer);
      let cpuMs = null;
      let maxRssKb = null;
      if (cpuFile) {
        try {
          const [u, s, rss] = readFileSync(cpuFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
          cpuMs = (u + s) * 1000;
          maxRssKb = rss;
        } catch {
          // no figure
        }
        rmSync(cpuFile, { force: true });
      }
      if (timedOut) reject(new Error(`${cmd} ${args.slice(0, 3).join(' ')} ... did not finish in ${Math.round(timeoutMs / 1000)} s: killed`));
      else if (code === 0) resolve({ wallMs, cpuMs, maxRssKb, ...(captureStdout ? { stdout: out } : {}) });
      else reject(new Error(`${cmd} ${args.slice(0, 3).join(' ')} ... exited ${code}: ${err.slice(-400)}`));
    });
  });
}

/** OpenSSH with a pre-started ControlMaster: one `ssh` process per command. */
export async function controlMasterPerCommand(bed, host, n) {
  const sock = join(bed.dir, `cm-${host}`);
  const base = ['-F', bed.configFile, '-o', `ControlPath=${sock}`];
  execFileSync('ssh', [...base, '-o', 'ControlMaster=yes', '-o', 'ControlPersist=yes', '-fN', host], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 5; i++) spawnSync('ssh', [...base, host, 'true'], { stdio: 'ignore' });
    const started = performance.now();
    for (let i = 0; i < n; i++) {
      const r = spawnSync('ssh', [...base, host, 'true'], { stdio: 'ignore' });
      if (r.status !== 0) throw new Error(`ssh via ControlMaster failed (${r.status})`);
    }
    return (performance.now() - started) / n;
  } finally {
    spawnSync('ssh', [...base, '-O', 'exit', host], { stdio: 'ignore' });
  }
}

export function fabricSequential(bed, host, n) {
  const h = bed.hosts[host];
  const out = execFileSync(PYTHON, [join(HERE, 'fabric_seq.py'), h.address, String(h.port), bed.user, bed.keys.plain, String(n)], {
    encoding: 'utf8',
  });
  return Number(out.trim());
}

export function fabricGroup(bed, names) {
  const hosts = names.map((n) => `${bed.hosts[n].address}:${bed.hosts[n].port}`);
  return timeProcess(PYTHON, [join(HERE, 'fabric_group.py'), bed.user, bed.keys.plain, ...hosts]);
}

export function parallelSsh(bed, names) {
  const file = join(bed.dir, 'pssh-hosts');
  writeFileSync(file, names.join('\n') + '\n');
  return timeProcess(psshBinary(), ['-p', String(names.length), '-h', file, '-x', `-F ${bed.configFile}`, 'true']);
}

/** Per-connection sshd processes still running under the bed's listeners (one /proc scan). */
function bedSessions(bed) {
  const listeners = new Set(Object.values(bed.hosts).map(sshdPid).filter((p) => p !== null));
  let n = 0;
  for (const ppid of processTable().values()) if (listeners.has(ppid)) n++;
  return n;
}

/**
 * CPU (ms) the hosts' sshd listeners and everything they reaped have used: logins,
 * sessions, login shells and every program a deploy started there. Read before and
 * after a deploy, once its connections are gone (settle), the difference is the
 * deploy's work on the hosts, which shares this machine's cores with the tool.
 */
export function hostCpuMs(bed) {
  let ticks = 0;
  for (const pid of Object.values(bed.hosts).map(sshdPid)) {
    if (pid === null) continue;
    // After "(comm) ": fields 14-17 of proc(5), utime stime cutime cstime, are 12-15 here.
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  }
  return (ticks * 1000) / clockTicks();
}

let ticksPerSecond;
const clockTicks = () => (ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100);

/**
 * Wait until the previous tool's logins are torn down on the bed (no per-connection
 * sshd left), then a little longer, so every tool starts on an idle machine. Before a
 * timed deploy (quietMs > 0) the disk's dirty pages are written out too: the previous
 * tool's writeback (Capistrano copies every file) otherwise lands in the next tool's
 * time, and with rounds fewer than tools some follow Capistrano more often than others.
 */
export async function settle(bed, { quietMs = 300, timeoutMs = 10_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && bedSessions(bed) > 0) await new Promise((r) => setTimeout(r, 50));
  if (quietMs > 0) execFileSync('sync');
  await new Promise((r) => setTimeout(r, quietMs));
}
