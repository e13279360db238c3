// Finishing or undoing a run that could not finish (its dpl died, lost a host, or
// was interrupted after the switch), from the journals it left on the hosts. Every
// later deploy, rollback, check and `deploy.recover` comes through here first, with
// the locks of its hosts held, and says what it did.
//
// The decision, read from every target host of the unfinished run:
// - any journal says `revert`, or a host already recorded the new release failed → undo;
// - a `commit` everywhere, or any host already switched → finish (a canary: undo);
// - otherwise nothing was switched → remove what was prepared.
// A host out of reach may hold the deciding fact; then nothing is done and it says so.
// With a load balancer in front of the hosts, each group that restarts leaves rotation
// first and comes back once healthy (src/rollout/recovery.ts), as a rollout's batches do.
import { internal } from '../core/internal.js';
import type { Context } from '../core/context-types.js';
import type { Host } from '../core/host.js';
import type { ReleaseConfig } from '../deploy/config.js';
import { parseState, stateSnippet, statusOf, type HostState } from '../deploy/history.js';
import type { Layout } from '../deploy/layout.js';
import { errorText, forHosts, runScript } from '../deploy/remote.js';
import type { ResolvedRef } from '../git/describe.js';
import { allAtOnce, canary, inPlace, type Flow } from './flow.js';
import type { RecoveryLb } from '../rollout/config.js';
import type { RecoveryRotation } from '../rollout/recovery.js';
import type { Journal } from './journal.js';
import { checkout, existingRelease, releaseDirectory } from './movers.js';
import { PipelineRun, type PipelineSpec } from './state.js';
import { clearJournals, discard, restartBatch, switchBatch } from './steps.js';
import { recordDeployed } from './drive.js';
import { undoMoved } from './undo.js';
// Also brings the pipeline's EventMap entries into every program that compiles this file.
import type { RecoverVerdict } from './events.js';

export type { RecoverVerdict };

export interface RecoverScope {
  config: ReleaseConfig;
  hosts: Host[];
  layouts: Map<string, Layout>;
  size: number;
  /** The LB in front of the hosts when it is not `config.proxy` (a rollout's own). */
  rotation?: RecoveryLb;
}


export interface Recovered {
  journal: Journal;
  verdict: RecoverVerdict;
  /** Hosts of that run still unfinished afterwards (out of reach, or their step failed). */
  left: string[];
}

/** Recover what earlier runs left on the locked hosts; returns what it did and their states afterwards. */
export async function recoverFirst(
  c: Context,
  spec: Pick<PipelineSpec, 'config' | 'hosts' | 'layouts' | 'size' | 'rotation'>,
  states: Map<string, HostState>,
): Promise<{ states: Map<string, HostState>; recovered: Recovered[] }> {
  if (![...states.values()].some((s) => s.journal)) return { states, recovered: [] };
  const recovered = await recover(c, spec, states);
  return { states: await readStates(c, spec, spec.hosts, states), recovered };
}

/** For each unfinished run found on `scope.hosts` (locked by the caller): decide, act, say so. */
export async function recover(c: Context, scope: RecoverScope, states: Map<string, HostState>): Promise<Recovered[]> {
  const ids = [...new Set([...states.values()].flatMap((s) => (s.journal ? [s.journal.id] : [])))];
  const out: Recovered[] = [];
  for (const id of ids) {
    const mine = scope.hosts.filter((h) => states.get(h.name)?.journal?.id === id);
    const journal = states.get(mine[0]!.name)!.journal!;
    const others = await consult(c, scope, journal, states);
    const verdict = decide(journal, states, others);
    const hosts = mine.map((h) => h.name);
    internal(c).emit('deploy.recover', { state: 'start', action: journal.action, release: journal.release, hosts, by: journal.by, since: journal.time, verdict });
    const left = verdict === 'unknown' ? mine.map((h) => h.name) : await act(c, scope, journal, mine, states, verdict);
    const unreachable = journal.targets.filter((n) => !states.has(n) && others.get(n) === undefined);
    if (unreachable.length) internal(c).emit('deploy.recover', { state: 'unreachable', hosts: unreachable });
    out.push({ journal, verdict, left: [...left, ...unreachable] });
  }
  return out;
}

/** The run's other target hosts, read without their lock: undefined when out of reach or unknown. */
async function consult(c: Context, scope: RecoverScope, j: Journal, states: Map<string, HostState>): Promise<Map<string, HostState | undefined>> {
  const names = j.targets.filter((n) => !states.has(n));
  const hosts = names.map((n) => c.session.knownHost(n)).filter((h): h is Host => !!h);
  const layouts = new Map([...scope.layouts, ...hosts.map((h) => [h.name, scope.layouts.get(h.name) ?? sameRoot(scope, h)] as const)]);
  const fan = await forHosts(c, hosts, scope.size, async (h) => parseState((await runScript(c, h, 'read the deploy journal', stateSnippet(layouts.get(h.name)!, { full: true }))).stdout));
  return new Map(names.map((n) => [n, fan.succeeded.get(n)]));
}

/** A host outside the caller's targets: its deploy path is taken to be the first target's (one app, one layout). */
function sameRoot(scope: RecoverScope, _h: Host): Layout {
  return scope.layouts.get(scope.hosts[0]!.name)!;
}

export function decide(j: Journal, states: Map<string, HostState>, others: Map<string, HostState | undefined>): RecoverVerdict {
  const all = j.targets.map((n) => states.get(n) ?? others.get(n));
  const known = all.filter((s): s is HostState => !!s);
  const theirs = known.map((s) => (s.journal?.id === j.id ? s.journal : undefined));
  const finishedAs = (status: string) => j.action === 'deploy' && known.some((s) => s.journal?.id !== j.id && statusOf(s, j.release) === status);
  if (theirs.some((x) => x?.decision === 'revert') || finishedAs('failed')) return 'back';
  const switched = theirs.some((x) => x?.state === 'switched') || known.some((s) => s.current === j.release && s.journal?.id === j.id) || finishedAs('deployed');
  const decided = theirs.some((x) => x?.decision === 'commit');
  if (decided && j.recover === 'back') return 'back';
  if (switched) return 'forward';
  if (decided && all.length === known.length && known.every((s, i) => theirs[i]?.decision === 'commit' || (s.journal?.id !== j.id && statusOf(s, j.release) === 'deployed'))) return 'forward';
  if (decided && all.length !== known.length) return 'unknown';
  return 'abort';
}

async function act(c: Context, scope: RecoverScope, j: Journal, hosts: Host[], states: Map<string, HostState>, verdict: RecoverVerdict): Promise<string[]> {
  const switchedNow = hosts.filter((h) => states.get(h.name)?.current === j.release);
  // Only hosts that will restart need to leave rotation: all of them forward, the switched ones back.
  const restarting = verdict === 'forward' ? hosts : switchedNow;
  const lb = restarting.length ? lbOf(scope) : undefined;
  const rot = lb ? await import('../rollout/recovery.js').then((m) => m.recoveryRotation(c, lb, restarting)) : undefined;
  const run = recoveryRun(c, scope, j, hosts, states, rot);
  if (verdict === 'forward') {
    const todo = hosts.filter((h) => !switchedNow.includes(h));
    run.moved.push(...switchedNow);
    // A host whose journal outlived its restart is restarted again: the restart is not journaled (one round trip less per host).
    const eachHost = j.action === 'deploy';
    const restarted: Host[] = [];
    for (const group of run.batches) {
      await rot?.out(run, group).catch((e: unknown) => internal(c).emit('deploy.recover', { state: 'out-of-rotation-failed', hosts: group.map((h) => h.name), error: errorText(e) }));
      const sw = await switchBatch(run, group.filter((h) => todo.includes(h)));
      const live = group.filter((h) => switchedNow.includes(h) || sw.succeeded.has(h.name));
      const restart = await restartBatch(run, run.relsOf(live), eachHost ? (rel) => recordDeployed(run, [rel]) : undefined);
      const up = live.filter((h) => !restart.failed.some((f) => f.host === h.name) && !restart.notStarted.includes(h));
      if (!eachHost) await recordDeployed(run, run.relsOf(up));
      for (const f of [...sw.failed, ...restart.failed]) internal(c).emit('deploy.recover', { state: 'failed', host: f.host, error: errorText(f.error) });
      await rot?.back(run, up);
      restarted.push(...up);
    }
    leftOut(run);
    return hosts.filter((h) => !restarted.includes(h)).map((h) => h.name);
  }
  run.moved.push(...switchedNow);
  if (switchedNow.length) await undoMoved(run, switchedNow, `undone by recovery: the run that switched it did not finish`);
  leftOut(run);
  const rest = hosts.filter((h) => !switchedNow.includes(h));
  const prepared = rest.filter((h) => states.get(h.name)?.journal?.state === 'prepared');
  if (prepared.length && run.spec.mover.discard) await discard(run, prepared, [], 'the deploy did not finish; removed by recovery');
  const failures = await clearJournals(run, rest.filter((h) => !prepared.includes(h) || !run.spec.mover.discard));
  const after = await readStates(c, scope, hosts, states);
  return [...failures.map((f) => f.host), ...hosts.filter((h) => after.get(h.name)?.journal?.id === j.id).map((h) => h.name)];
}

/** The deployfile's LB for these hosts: the caller's (a rollout's), else the release config's `proxy`. */
function lbOf(scope: RecoverScope): RecoveryLb | undefined {
  if (scope.rotation) return scope.rotation;
  return scope.config.proxy ? { proxy: scope.config.proxy, rollout: scope.config.rollout || undefined } : undefined;
}

/** Say which hosts the recovery left out of rotation (unhealthy, or the LB does not see them healthy). */
function leftOut(run: PipelineRun): void {
  for (const r of run.records.values()) {
    if (r.phase === 'rollback-failed' && r.note) internal(run.c).emit('deploy.recover', { state: 'failed', host: r.host, error: r.note });
  }
}

/** A pipeline run over the hosts that kept `j`, as that run saw them: its id, release, flow and journals. */
function recoveryRun(c: Context, scope: RecoverScope, j: Journal, hosts: Host[], states: Map<string, HostState>, rot: RecoveryRotation | undefined): PipelineRun {
  // With an LB, the groups that can leave rotation one after another (hosts that do not restart join the last).
  const groups = rot ? [...rot.groups.slice(0, -1), [...rot.groups.at(-1)!, ...hosts.filter((h) => !rot.groups.flat().includes(h))]] : [hosts];
  const base: Flow = j.flow === 'canary' ? canary(groups, {}) : j.flow === 'in-place' ? inPlace : allAtOnce;
  const flow: Flow = rot ? { ...base, gates: rot.gates } : base;
  const mover = j.action === 'rollback' ? existingRelease : j.flow === 'in-place' ? checkout : releaseDirectory;
  const ref: ResolvedRef = { ref: j.ref.ref, kind: j.ref.tag ? 'tag' : 'sha', tag: j.ref.tag, sha: j.ref.sha, subject: j.ref.subject ?? '' };
  const spec: PipelineSpec = { action: j.action, config: scope.config, hosts, layouts: scope.layouts, size: scope.size, flow, mover, lockTarget: 'recover', resolved: ref };
  const rels = new Map(
    hosts.map((h) => {
      const l = scope.layouts.get(h.name)!;
      const before = j.previous && j.flow !== 'in-place' ? j.previous.split('/').pop() : undefined;
      return [h.name, { host: h, name: j.release, path: j.flow === 'in-place' ? l.current : l.release(j.release), deployPath: l.root, previous: before, ref, strategy: j.flow === 'in-place' ? ('pull' as const) : (scope.config.strategy ?? 'git') }];
    }),
  );
  const run = new PipelineRun(c, spec, groups, j.release, ref, rels, states, j.id);
  for (const h of hosts) run.journals.set(h.name, states.get(h.name)!.journal!);
  return run;
}

/** Read the hosts' state again (after recovery changed it). */
async function readStates(c: Context, scope: Pick<RecoverScope, 'layouts' | 'size'>, hosts: Host[], states: Map<string, HostState>): Promise<Map<string, HostState>> {
  const fan = await forHosts(c, hosts, scope.size, async (h) => parseState((await runScript(c, h, 'read releases', stateSnippet(scope.layouts.get(h.name)!, { full: true }))).stdout), { interruptible: false });
  return new Map([...states, ...fan.succeeded]);
}
