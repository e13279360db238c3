// The deploy lock over a target set. Hosts are locked in name order, the first host
// alone first: two deploys of the same hosts meet on that host, exactly one gets
// it (a rename is atomic) and the other stops there, running nothing on any other
// host (it may have logged in to a few while its ref resolved: targets.ts preconnect),
// so two racing deploys can no longer each win some hosts and both fail, whatever
// their latency. The rest are then locked in parallel; all or nothing.
// A holder that is gone (lock-holder.ts) is taken over only with --force or a yes
// on a terminal; --lock-wait waits for a live holder instead of failing.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from '../core/context-types.js';
import type { Host } from '../core/host.js';
import { internal } from '../core/internal.js';
import { CommandError, DplError, HostsFailedError, InterruptedError } from '../core/errors.js';
import { randomHex } from '../core/random.js';
import type { Layout } from './layout.js';
import { parseState, type HostState } from './history.js';
import { errorText, forHosts, marker, runScript, section, timedStep } from './remote.js';
import { releaseCommand } from './task-names.js';
import { formatDuration, holderOf, holderText, judgeHolder, parseLockInfo, readHolder, type Liveness, type LockInfo } from './lock-holder.js';
import { emitReleased, releaseResult } from './lock-events.js';
import { acquireScript, forceRemoveScript, holderTokenScript, releaseScript, STEP_FAILED } from './lock-script.js';

export { describeHolder, formatAge, newLockInfo, type LockInfo, type LockHolder } from './lock-holder.js';
export { lockStatusSnippet, releaseScript } from './lock-script.js';

interface Holder {
  lock: string;
  info: Partial<LockInfo> | undefined;
  age: number;
  token: string;
  liveness: Liveness;
}

/** Why one host was not locked: someone holds it, or the step failed (the error says how). */
interface Problem {
  host: string;
  holder?: Holder;
  error?: Error;
}

type TakeOver = (h: Host, holder: Holder) => Promise<boolean>;

/**
 * Lock every host and read each one's state in the same round trip. All or nothing:
 * when any host is held or fails, the locks taken are released again and the error
 * lists each host. Reads --lock-wait (`lockWaitMs`) and --force from the run's flags.
 */
export async function acquireLocks(
  c: Context,
  hosts: Host[],
  layouts: Map<string, Layout>,
  info: LockInfo,
  size: number,
): Promise<Map<string, HostState>> {
  const waitMs = c.session.flags.lockWaitMs;
  const deadline = waitMs ? Date.now() + waitMs : undefined;
  const takeOver = takeOverPolicy(c);
  let announced = false;
  for (;;) {
    const a = await attempt(c, hosts, layouts, info, size, takeOver);
    if (!('problems' in a)) {
      internal(c).emit('lock.acquired', { hosts: hosts.map((h) => h.name) });
      return a;
    }
    const { problems, firstOnly } = a;
    const waitable = problems.length > 0 && problems.every((p) => p.holder && p.holder.liveness.state !== 'stale');
    if (c.session.signal.aborted) throw interruptedWhileLocking(problems);
    if (!deadline || !waitable || Date.now() >= deadline) {
      for (const p of problems) if (p.holder) internal(c).emit('lock.held', { host: p.host, holder: heldBy(p.holder) });
      throw lockError(c, problems, hosts.length, firstOnly, announced ? waitMs : undefined);
    }
    const p = problems[0]!;
    if (!announced) internal(c).emit('lock.held', { host: p.host, holder: heldBy(p.holder!), waitMs: waitMs! });
    announced = true;
    // While the same holder keeps it, look quietly about every second (with jitter, so
    // waiters started together do not knock in step); try again once it changed.
    const host = hosts.find((h) => h.name === p.host)!;
    do {
      await sleep(Math.max(0, Math.min(800 + Math.random() * 400, deadline - Date.now())), undefined, { signal: c.session.signal }).catch(() => undefined);
      if (c.session.signal.aborted) throw new InterruptedError(`interrupted while waiting for the deploy lock on ${p.host}: nothing was changed`);
    } while (Date.now() < deadline && (await stillHeld(c, host, layouts.get(host.name)!, p.holder!.token)));
  }
}

/** True while the lock still holds `token`. Looks without an output line each time; on any error it says
 * false, so the next attempt runs and reports that error properly. */
async function stillHeld(c: Context, h: Host, l: Layout, token: string): Promise<boolean> {
  try {
    const transport = await internal(c.on(h)).transport();
    const r = await transport.exec(holderTokenScript(l), { timeoutMs: 30_000 });
    return r.code === 0 && marker(r.stdout, 'held') === token;
  } catch {
    return false;
  }
}

/** One try over all hosts. Returns the states, or what stopped it once every lock taken is released again. */
async function attempt(
  c: Context,
  hosts: Host[],
  layouts: Map<string, Layout>,
  info: LockInfo,
  size: number,
  takeOver: TakeOver,
): Promise<Map<string, HostState> | { problems: Problem[]; firstOnly: boolean }> {
  // Plain code-unit order: every dpl, whatever its locale, picks the same first host.
  const [first, ...rest] = [...hosts].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const states = new Map<string, HostState>();
  const problems: Problem[] = [];
  const run = async (group: Host[], limit: number) => {
    const fan = await forHosts(c, group, limit, (h) =>
      timedStep(c, h, 'lock', () => lockHost(c, h, layouts.get(h.name)!, info, takeOver), {
        refused: (r) => ('holder' in r ? `held by ${holderText(r.holder.info, r.holder.age)}` : undefined),
      }),
    );
    for (const [name, r] of fan.succeeded) {
      if ('holder' in r) problems.push({ host: name, holder: r.holder });
      else states.set(name, r.state);
    }
    for (const f of fan.failed) problems.push({ host: f.host, error: f.error });
    return fan.notStarted.length === 0;
  };
  const firstDone = first ? await run([first], 1) : true;
  const firstOnly = rest.length > 0 && (problems.length > 0 || !firstDone);
  if (!firstOnly && !c.session.signal.aborted && rest.length) await run(rest, size);
  if (problems.length || c.session.signal.aborted || states.size < hosts.length) {
    await releaseLocks(c, hosts.filter((h) => states.has(h.name)), layouts, info.token, size);
    return { problems, firstOnly };
  }
  return new Map(hosts.map((h) => [h.name, states.get(h.name)!]));
}

/** Lock one host: its state, or its live holder. A stale holder is taken over when allowed (one retry). */
async function lockHost(c: Context, h: Host, l: Layout, info: LockInfo, takeOver: TakeOver): Promise<{ state: HostState } | { holder: Holder }> {
  let replace: string | undefined;
  for (;;) {
    const stdout = await runLockStep(c, h, l, info, replace);
    if (marker(stdout, 'displaced') !== undefined) {
      // Another dpl re-took the lock between our look and our move (a µs window): say where its lock went.
      internal(c).emit('lock.takeover', { host: h.name, displaced: `${l.lock}.stale.${info.token}` });
    }
    if (marker(stdout, 'locked') !== undefined) return { state: parseState(stdout) };
    const infoText = section(stdout, 'info');
    const holder: Holder = {
      lock: l.lock,
      info: parseLockInfo(infoText),
      age: Number(marker(stdout, 'held')),
      token: marker(stdout, 'token') ?? '',
      liveness: judgeHolder(parseLockInfo(infoText)),
    };
    if (replace !== undefined && holder.token === replace) {
      throw new DplError(`could not move the stale deploy lock ${l.lock} aside: can the login user write ${l.root}?`, { code: 'lock.failed' });
    }
    if (holder.liveness.state !== 'stale' || replace !== undefined || !(await takeOver(h, holder))) return { holder };
    internal(c).emit('lock.takeover', { host: h.name, holder: heldBy(holder) });
    replace = holder.token;
  }
}

async function runLockStep(c: Context, h: Host, l: Layout, info: LockInfo, replace: string | undefined): Promise<string> {
  try {
    return (await runScript(c, h, 'take deploy lock', acquireScript(l, info, replace))).stdout;
  } catch (e) {
    if (!(e instanceof CommandError) || e.status !== STEP_FAILED) throw e;
    // The host's own error (stderr), named by the step that failed; the script removed its temp dir.
    const step = marker(e.stdout, 'failed') ?? 'a step';
    const left = marker(e.stdout, 'leftover') !== undefined ? `could not remove ${l.lock}.tmp.${info.token} either: remove it by hand` : 'nothing was left on the host';
    throw new DplError(`${step} failed: ${e.stderr.trim().split('\n').slice(-3).join(' / ') || 'no error text'} (${left})`, { code: 'lock.failed' });
  }
}

/**
 * --force takes over every stale lock; on a terminal, each stale holder is asked
 * about once. Not --yes: that answers routine confirmations, and a stale lock is
 * the one a person should look at.
 */
function takeOverPolicy(c: Context): TakeOver {
  if (c.session.flags.force) return async () => true;
  const prompter = internal(c).runImpl.prompter;
  if (!prompter.interactive) return async () => false;
  const asked = new Map<string, Promise<boolean>>();
  return (h, holder) => {
    const key = holder.token || h.name;
    let answer = asked.get(key);
    if (!answer) {
      const why = holder.liveness.state === 'stale' ? holder.liveness.evidence : '';
      answer = prompter.confirm(`The deploy lock on ${h.name} is stale: held by ${holderText(holder.info, holder.age)}; ${why}. Take it over?`);
      asked.set(key, answer);
    }
    return answer;
  };
}

function interruptedWhileLocking(problems: Problem[]): InterruptedError {
  const also = problems.filter((p) => p.error).map((p) => `\n  - ${p.host}: ${errorText(p.error, { tagged: p.host })}`);
  return new InterruptedError(`interrupted while taking the deploy locks: nothing was changed; the locks taken were released${also.join('')}`);
}

function lockError(c: Context, problems: Problem[], total: number, firstOnly: boolean, waitedMs: number | undefined): DplError {
  const where =
    total === 1
      ? `on ${problems[0]!.host} (nothing was changed)`
      : firstOnly
        ? `on ${problems[0]!.host} (the first of ${total} hosts in name order; nothing was run on any other host)`
        : `on ${problems.length} of ${total} hosts (nothing was changed; the locks taken were released)`;
  const lines = problems.map((p) => {
    const h = p.holder;
    if (!h) return `${p.host}: ${errorText(p.error, { tagged: p.host })}`;
    const who = holderText(h.info, h.age);
    if (h.liveness.state === 'stale') return `${p.host}: deploy lock ${h.lock} is stale: held by ${who}; ${h.liveness.evidence}`;
    return `${p.host}: deploy lock ${h.lock} is ${waitedMs ? 'still ' : ''}held by ${who}`;
  });
  const hints: string[] = [];
  const cmd = releaseCommand(c);
  if (problems.some((p) => p.holder?.liveness.state === 'stale')) {
    hints.push(`its dpl is gone: run the same command with --force to take the lock over, or remove it with \`${cmd('unlock')}\``);
  }
  if (problems.some((p) => p.holder && p.holder.liveness.state !== 'stale')) {
    const elsewhere = c.session.flags.force ? ' (--force takes over only a lock whose dpl ran on this machine and is gone)' : '';
    const wait = waitedMs ? 'is still running; wait longer (--lock-wait 10m)' : 'is running; wait for it. `--lock-wait 10m` makes dpl wait';
    hints.push(`another deploy ${wait}. If it died, check nobody is deploying, then \`${cmd('unlock')}\`${elsewhere}`);
  }
  if (problems.some((p) => p.error)) hints.push(`fix the hosts above (\`${cmd('check')}\` tests reach, write access and the lock without changing anything)`);
  const head = waitedMs ? `gave up waiting ${formatDuration(waitedMs)} for the deploy lock: could not take it` : 'could not take the deploy lock';
  const code = problems.some((p) => p.holder && p.holder.liveness.state !== 'stale') ? 'lock.held' : problems.some((p) => p.holder) ? 'lock.stale' : 'lock.failed';
  return new DplError(`${head} ${where}:\n${lines.map((l) => `  - ${l.replace(/\n/g, '\n    ')}`).join('\n')}`, { code, hint: hints.join('; ') || undefined });
}

/** Release our own locks (token checked), `size` hosts at once (-z); never throws: 'lock.released' says what it could not release. */
export async function releaseLocks(c: Context, hosts: Host[], layouts: Map<string, Layout>, token: string, size: number): Promise<void> {
  if (!hosts.length) return;
  const fan = await forHosts(
    c,
    hosts,
    size,
    async (h) => releaseResult((await runScript(c, h, 'release deploy lock', releaseScript(layouts.get(h.name)!, token))).stdout),
    { interruptible: false },
  );
  const failed = fan.failed.map((f) => ({ host: f.host, error: errorText(f.error) }));
  emitReleased(c, [...fan.succeeded], failed, releaseCommand(c)('unlock'));
}

function heldBy(holder: Holder) {
  return holderOf(holder.info, holder.age, holder.liveness);
}

/** `deploy.unlock`: remove whoever's lock, saying whose it was. */
export async function forceUnlock(c: Context, hosts: Host[], layouts: Map<string, Layout>, size: number): Promise<void> {
  const fan = await forHosts(c, hosts, size, async (h) => {
    const { stdout } = await runScript(c, h, 'force-remove deploy lock', forceRemoveScript(layouts.get(h.name)!, randomHex(6)));
    const none = marker(stdout, 'none') !== undefined;
    internal(c).emit('lock.removed', { host: h.name, ...(none ? {} : { holder: readHolder(section(stdout, 'info'), Number(marker(stdout, 'held'))) }) });
  });
  if (fan.failed.length) throw new HostsFailedError('deploy.unlock', fan.failed);
}
