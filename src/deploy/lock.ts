// The deploy lock: `mkdir <deployPath>/.dpl-lock` (atomic on every filesystem) plus
// an info file naming who holds it, and a token so only its owner releases it
// automatically (Deployer's auto-unlock removed other people's locks).
import { randomHex } from '../core/random.js';
import type { Context } from '../core/context-types.js';
import type { Host } from '../core/host.js';
import { DplError, HostsFailedError } from '../core/errors.js';
import { sh } from '../core/quote.js';
import type { Layout } from './layout.js';
import { parseState, stateSnippet, whoAmI, type HostState } from './history.js';
import { errorText, forHosts, marker, runScript, section } from './remote.js';

export interface LockInfo {
  token: string;
  user: string;
  machine: string;
  pid: number;
  time: string;
  /** What the holder is doing: `deploy.release:stable → 20261122T153000Z`. */
  target: string;
}

export function newLockInfo(target: string): LockInfo {
  return { token: randomHex(12), ...whoAmI(), pid: process.pid, time: new Date().toISOString(), target };
}

const AGE = (lock: string) =>
  sh`now=$(date +%s); since=$(stat -c %Y -- ${lock} 2>/dev/null || stat -f %m -- ${lock} 2>/dev/null || echo "$now")`;

/** Shell lines that report the lock's age and owner between @@DPL markers. */
function holderLines(l: Layout): string[] {
  return [
    `  ${AGE(l.lock)}`,
    `  echo "@@DPL held $((now - since))"`,
    `  echo '@@DPL info'`,
    sh`  cat -- ${l.lock + '/info.json'} 2>/dev/null || true; echo`,
    `  echo '@@DPL end'`,
  ];
}

function acquireScript(l: Layout, info: LockInfo): string {
  const { token, ...shown } = info;
  return [
    'set -e',
    sh`mkdir -p -- ${l.root}`,
    sh`if mkdir -- ${l.lock} 2>/dev/null; then`,
    sh`  printf '%s\\n' ${token} > ${l.lock + '/token'}`,
    sh`  printf '%s\\n' ${JSON.stringify(shown)} > ${l.lock + '/info.json'}`,
    `  echo '@@DPL locked'`,
    sh`elif [ -d ${l.lock} ]; then`,
    ...holderLines(l),
    '  exit 0',
    'else',
    sh`  mkdir -- ${l.lock}`,
    'fi',
    stateSnippet(l),
  ].join('\n');
}

/** "alice@laptop (pid 4242) for 3m 12s, since …, doing deploy.release:stable" */
export function describeHolder(infoText: string | undefined, ageSeconds: number | undefined): string {
  let who = 'an unknown holder (no info file: a crashed or very new lock)';
  try {
    const i = JSON.parse(infoText ?? '') as Partial<LockInfo>;
    if (i.user) who = `${i.user}@${i.machine ?? '?'} (pid ${i.pid ?? '?'}, since ${i.time ?? '?'}, ${i.target ?? 'unknown task'})`;
  } catch {
    /* keep the unknown holder */
  }
  return ageSeconds === undefined || Number.isNaN(ageSeconds) ? who : `${who}, ${formatAge(ageSeconds)} old`;
}

export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

/**
 * Lock every host (bounded parallel) and read each one's state in the same round trip.
 * All or nothing: when any host is held or fails, the locks taken are released again.
 */
export async function acquireLocks(
  c: Context,
  hosts: Host[],
  layouts: Map<string, Layout>,
  info: LockInfo,
  size: number,
): Promise<Map<string, HostState>> {
  const held: string[] = [];
  const fan = await forHosts(c, hosts, size, async (h) => {
    const { stdout } = await runScript(c, h, 'take deploy lock', acquireScript(layouts.get(h.name)!, info));
    if (marker(stdout, 'held') !== undefined) {
      held.push(h.name);
      throw new DplError(`deploy lock ${layouts.get(h.name)!.lock} is held by ${describeHolder(section(stdout, 'info'), Number(marker(stdout, 'held')))}`);
    }
    return parseState(stdout);
  });
  const problems = [...fan.failed.map((f) => `${f.host}: ${errorText(f.error).replace(`[${f.host}] `, '')}`)];
  if (!problems.length && c.session.signal.aborted) problems.push('interrupted while locking');
  if (problems.length || fan.notStarted.length) {
    await releaseLocks(c, hosts.filter((h) => fan.succeeded.has(h.name)), layouts, info.token);
    const n = hosts.length - fan.succeeded.size;
    throw new DplError(`could not take the deploy lock on ${n} of ${hosts.length} host${hosts.length === 1 ? '' : 's'} (nothing was changed):\n${problems.map((p) => `  - ${p.replace(/\n/g, '\n    ')}`).join('\n')}`, {
      hint: held.length
        ? 'another deploy is running; wait for it. If it died, check nobody is deploying, then `dpl deploy.unlock`'
        : 'fix the hosts above (`dpl deploy.check` tests reach, write access and the lock without changing anything)',
    });
  }
  return fan.succeeded;
}

/** Release our own locks (token checked); never throws, warns about what it could not release. */
export async function releaseLocks(c: Context, hosts: Host[], layouts: Map<string, Layout>, token: string): Promise<void> {
  const fan = await forHosts(
    c,
    hosts,
    hosts.length || 1,
    async (h) => {
      const l = layouts.get(h.name)!;
      const gone = `${l.lock}.released.${token}`;
      const script = [
        sh`if [ "$(cat -- ${l.lock + '/token'} 2>/dev/null)" = ${token} ]; then`,
        sh`  mv -- ${l.lock} ${gone} && rm -rf -- ${gone} && echo '@@DPL released'`,
        sh`elif [ -d ${l.lock} ]; then echo '@@DPL foreign'; else echo '@@DPL gone'; fi`,
      ].join('\n');
      const { stdout } = await runScript(c, h, 'release deploy lock', script);
      if (marker(stdout, 'foreign') !== undefined) c.on(h).warn('the deploy lock is no longer ours (someone forced it and locked again?); left it alone');
      else if (marker(stdout, 'gone') !== undefined) c.on(h).warn('our deploy lock was already gone (forced with deploy.unlock?)');
    },
    { interruptible: false },
  );
  for (const f of fan.failed) {
    c.on(hosts.find((h) => h.name === f.host)!).warn(`could not release the deploy lock: ${errorText(f.error)}; run \`dpl deploy.unlock\` once you checked no deploy is running`);
  }
}

/** `deploy.unlock`: remove whoever's lock, saying whose it was. */
export async function forceUnlock(c: Context, hosts: Host[], layouts: Map<string, Layout>, size: number): Promise<void> {
  const fan = await forHosts(c, hosts, size, async (h) => {
    const l = layouts.get(h.name)!;
    const gone = `${l.lock}.forced.${randomHex(6)}`;
    const script = [
      sh`if [ -d ${l.lock} ]; then`,
      ...holderLines(l),
      sh`  mv -- ${l.lock} ${gone} && rm -rf -- ${gone}`,
      `else echo '@@DPL none'; fi`,
    ].join('\n');
    const { stdout } = await runScript(c, h, 'force-remove deploy lock', script);
    if (marker(stdout, 'none') !== undefined) c.on(h).log('no deploy lock');
    else c.on(h).warn(`removed the deploy lock held by ${describeHolder(section(stdout, 'info'), Number(marker(stdout, 'held')))}; if that deploy is still running it no longer holds the lock`);
  });
  if (fan.failed.length) throw new HostsFailedError('deploy.unlock', fan.failed);
}

/** For `deploy.check`: shell that prints `@@DPL lock free` or the holder, changing nothing. */
export function lockStatusSnippet(l: Layout): string {
  return [
    sh`if [ -d ${l.lock} ]; then`,
    `  ${AGE(l.lock)}`,
    `  echo "@@DPL held $((now - since))"`,
    `  echo '@@DPL info'`,
    sh`  cat -- ${l.lock + '/info.json'} 2>/dev/null || true; echo`,
    `  echo '@@DPL end'`,
    `else echo '@@DPL lock free'; fi`,
  ].join('\n');
}
