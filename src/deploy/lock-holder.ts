// Who holds a deploy lock, and whether that holder can still be alive. A lock is
// judged stale only on evidence this machine can check itself: the holder ran here
// (same hostname) and its process is gone, or the pid now belongs to another
// process (another start time), or the machine restarted since (another boot id).
// A lock taken on another machine is never judged: its pid means nothing here.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomHex } from '../core/random.js';
import { whoAmI } from './history.js';

export interface LockInfo {
  token: string;
  user: string;
  machine: string;
  pid: number;
  /** The holder's start time (field 22 of /proc/<pid>/stat, Linux): tells a reused pid apart. */
  pidStart?: string;
  /** /proc/sys/kernel/random/boot_id of the holder's machine: pids do not survive a restart. */
  boot?: string;
  time: string;
  /** What the holder is doing: `deploy.release:stable → 20261122T153000Z`. */
  target: string;
}

export function newLockInfo(target: string): LockInfo {
  const proc = { pidStart: processStart(process.pid), boot: bootId() };
  return { token: randomHex(12), ...whoAmI(), pid: process.pid, ...proc, time: new Date().toISOString(), target };
}

/** Start time of a local process in clock ticks since boot; undefined without /proc or when it is gone. */
export function processStart(pid: number): string | undefined {
  const stat = procStat(pid);
  return stat?.[19];
}

function procStat(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may hold spaces and parentheses: state is first (field 3).
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function hasProc(): boolean {
  return procStat(process.pid) !== undefined;
}

/** Running on this machine, checked now: signal 0, and not a zombie (an exited process nobody reaped). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return procStat(pid)?.[0] !== 'Z';
}

export type Liveness =
  /** Ran here and its process is still there. */
  | { state: 'live' }
  /** Ran on another machine (or says nothing about where): nothing here can tell. */
  | { state: 'unknown'; why: string }
  | { state: 'stale'; evidence: string };

export function parseLockInfo(text: string | undefined): Partial<LockInfo> | undefined {
  try {
    const i = JSON.parse(text ?? '') as Partial<LockInfo>;
    return i && typeof i === 'object' ? i : undefined;
  } catch {
    return undefined;
  }
}

export function judgeHolder(info: Partial<LockInfo> | undefined): Liveness {
  if (!info?.machine || !Number.isInteger(info.pid) || (info.pid as number) <= 0) return { state: 'unknown', why: 'the lock does not say which process holds it' };
  const here = hostname();
  if (info.machine !== here) return { state: 'unknown', why: `it was taken on ${info.machine}, not on this machine (${here})` };
  const pid = info.pid as number;
  const where = `it ran on this machine (${here}), and`;
  const boot = bootId();
  if (info.boot && boot && info.boot !== boot) return { state: 'stale', evidence: `${where} it restarted since the lock was taken, so pid ${pid} is not running on this machine (checked now)` };
  if (!running(pid)) return { state: 'stale', evidence: `${where} pid ${pid} is not running on this machine (checked now)` };
  const start = hasProc() ? processStart(pid) : undefined;
  if (info.pidStart && start && info.pidStart !== start) {
    return { state: 'stale', evidence: `${where} pid ${pid} is running on this machine but is another process (started at tick ${start}, the holder at ${info.pidStart}; checked now)` };
  }
  return { state: 'live' };
}

/** Who holds a deploy lock, as events carry it (fields from the holder's info file). */
export interface LockHolder {
  user?: string;
  machine?: string;
  pid?: number;
  /** When it was taken (the holder's clock, ISO time). */
  since?: string;
  /** What the holder is doing: `deploy.release:stable → 20261122T153000Z`. */
  target?: string;
  /** How long it has been held, in seconds (the host's clock). */
  ageSeconds?: number;
  /** Why its dpl is known to be gone, checked on this machine (a stale lock). */
  stale?: string;
}

export function holderOf(info: Partial<LockInfo> | undefined, ageSeconds: number | undefined, liveness?: Liveness): LockHolder {
  const h: LockHolder = {};
  if (typeof info?.user === 'string') h.user = info.user;
  if (typeof info?.machine === 'string') h.machine = info.machine;
  if (typeof info?.pid === 'number') h.pid = info.pid;
  if (typeof info?.time === 'string') h.since = info.time;
  if (typeof info?.target === 'string') h.target = info.target;
  if (ageSeconds !== undefined && !Number.isNaN(ageSeconds)) h.ageSeconds = ageSeconds;
  if (liveness?.state === 'stale') h.stale = liveness.evidence;
  return h;
}

/** "alice@laptop (pid 4242, since …, deploy.release:stable), 3m 12s old" */
export function holderWords(h: LockHolder): string {
  const who = h.user
    ? `${h.user}@${h.machine ?? '?'} (pid ${h.pid ?? '?'}, since ${h.since ?? '?'}, ${h.target ?? 'unknown task'})`
    : 'an unknown holder (no info file: a crashed or very new lock)';
  return h.ageSeconds === undefined ? who : `${who}, ${formatAge(h.ageSeconds)} old`;
}

export function holderText(info: Partial<LockInfo> | undefined, ageSeconds: number | undefined): string {
  return holderWords(holderOf(info, ageSeconds));
}

/** The holder from the info file's text, judged here (deploy.check, deploy.unlock). */
export function readHolder(infoText: string | undefined, ageSeconds: number | undefined): LockHolder {
  const info = parseLockInfo(infoText);
  return holderOf(info, ageSeconds, judgeHolder(info));
}

/** holderWords plus the evidence when the holder is known to be gone. */
export function describeLockHolder(h: LockHolder): string {
  return h.stale ? `${holderWords(h)}; stale: ${h.stale}` : holderWords(h);
}

/** holderText from the info file's text, plus the evidence when the holder is known to be gone (deploy.check, deploy.unlock). */
export function describeHolder(infoText: string | undefined, ageSeconds: number | undefined): string {
  return describeLockHolder(readHolder(infoText, ageSeconds));
}

export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

/** `500ms`, `1.5s`, `30s`, `2m`, `1m 30s`: how --lock-wait values are said back. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))}s`;
  return formatAge(ms / 1000).replace(/ 0s$/, '');
}
