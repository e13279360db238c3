// `deploy[:ref]` with release directories: lock → prepare everywhere → (once steps)
// → switch everywhere → restart → record, each phase a barrier over all target hosts.
// If any host fails before the switch, no host switches and every half-made
// release directory is removed; the error lists each host and why.
import { internal } from '../core/internal.js';
import type { Context } from '../core/context-types.js';
import type { Host } from '../core/host.js';
import { DplError, HostsFailedError, InterruptedError, UsageError } from '../core/errors.js';
import type { ResolvedRef } from '../git/describe.js';
import { deployPathOf, poolSizeOf, repoDirOf, strategyOf, type DeployInfo, type HostRelease, type ReleaseConfig } from './config.js';
import { isReleaseName, layoutOf, nextReleaseName, type Layout } from './layout.js';
import { acquireLocks, newLockInfo, releaseLocks } from './lock.js';
import { failedBeforeCreating, prepareRelease, type PrepareSource } from './prepare.js';
import { errorText, forHosts, shortSha } from './remote.js';
import { runHostHook, runOnceSteps, runRunHook } from './hooks.js';
import { switchAll } from './switch.js';
import { announce } from './announce.js';
import { discardAll, failAfterSwitch, reasons, recordAll, restartAll } from './outcome.js';
import type { HostState } from './history.js';

export interface DeployResult {
  release: string;
  ref: ResolvedRef;
  hosts: string[];
}

export interface Targets {
  hosts: Host[];
  layouts: Map<string, Layout>;
  size: number;
}

export function targetsOf(c: Context, config: ReleaseConfig, what: string): Targets {
  const hosts = [...c.targets.hosts];
  if (!hosts.length) {
    throw new UsageError(`${what}: no hosts to work on`, { hint: 'choose them with -H/-R, an environment task (`dpl prod deploy`), or roles in releaseTasks({...})' });
  }
  const layouts = new Map(hosts.map((h) => [h.name, layoutOf(deployPathOf(h, config, c))]));
  return { hosts, layouts, size: poolSizeOf(config, c) };
}

/** Resolve the ref locally (git module, loaded now) and say what it is before anything happens. */
export async function resolveForDeploy(c: Context, config: ReleaseConfig, ref: string): Promise<ResolvedRef> {
  const { resolveRef } = await import('../git/refs.js');
  const { reportResolved } = await import('../git/describe.js');
  const resolved = await resolveRef(repoDirOf(config, c.session.root), ref, { tagPrefix: config.tagPrefix, fetch: config.fetch, remote: config.remote });
  reportResolved(c, resolved);
  return resolved;
}

export async function repoUrlOf(c: Context, config: ReleaseConfig): Promise<string> {
  if (config.repoUrl) return safeRepoUrl(config.repoUrl, 'repoUrl');
  const { openRepo } = await import('../git/repo.js');
  const dir = repoDirOf(config, c.session.root);
  const remote = config.remote ?? 'origin';
  const url = await (await openRepo(dir)).tryGit(['remote', 'get-url', remote]);
  if (!url) throw new UsageError(`strategy git needs a repository URL the hosts can fetch from; ${dir} has no remote ${remote}`, { hint: 'set repoUrl in releaseTasks({...})' });
  return safeRepoUrl(url.trim(), `the URL of remote ${remote} in ${dir}`);
}

/** git reads an argument starting with "-" as an option (`--upload-pack=<command>` runs it): never hand one to the hosts. */
function safeRepoUrl(url: string, what: string): string {
  if (url.startsWith('-')) {
    throw new UsageError(`${what} ${JSON.stringify(url)} starts with "-", so git would take it as an option`, { hint: 'give the repository URL itself (ssh://, https://, user@host:path or a path)' });
  }
  return url;
}

export async function deployRelease(c: Context, config: ReleaseConfig, refArg: string | undefined): Promise<DeployResult> {
  const strategy = strategyOf(config);
  const t = targetsOf(c, config, 'deploy');
  const resolved = await resolveForDeploy(c, config, refArg ?? config.defaultRef ?? 'stable');
  if (strategy === 'pull') {
    const { deployInPlace } = await import('./pull.js');
    return deployInPlace(c, config, t, resolved);
  }
  const source: PrepareSource = strategy === 'git' ? { repoUrl: await repoUrlOf(c, config) } : {};
  const lock = newLockInfo(`${c.taskName}:${resolved.ref} (${resolved.tag ?? shortSha(resolved.sha)})`);
  const states = await acquireLocks(c, t.hosts, t.layouts, lock, t.size);
  try {
    return await deployLocked(c, config, t, resolved, states, source);
  } finally {
    await releaseLocks(c, t.hosts, t.layouts, lock.token);
  }
}

async function deployLocked(
  c: Context,
  config: ReleaseConfig,
  t: Targets,
  resolved: ResolvedRef,
  states: Map<string, HostState>,
  source: PrepareSource,
): Promise<DeployResult> {
  const strategy = strategyOf(config);
  // Never reuse a name, not even one whose directory is gone: history records are keyed by it.
  const name = nextReleaseName(new Date(), [...states.values()].flatMap((s) => [...s.releases, ...s.history.map((r) => r.release)]));
  const rels: HostRelease[] = t.hosts.map((host) => {
    const l = t.layouts.get(host.name)!;
    const current = states.get(host.name)?.current;
    return { host, name, path: l.release(name), deployPath: l.root, previous: current && isReleaseName(current) ? current : undefined, ref: resolved, strategy };
  });
  const info: DeployInfo = { release: name, ref: resolved, hosts: t.hosts, strategy };
  const hostNames = t.hosts.map((h) => h.name);
  internal(c).emit('deploy.resolved', { ref: resolved.ref, kind: resolved.kind, tag: resolved.tag, sha: resolved.sha, subject: resolved.subject, release: name });
  const what = { release: name, ref: resolved, hosts: hostNames };
  announce(c, 'start', `deploying ${resolved.tag ?? resolved.ref} (${shortSha(resolved.sha)}) as release ${name} to ${hostNames.join(', ')}`, what);
  const phase = (p: string, state: 'start' | 'end' | 'failed', failed?: string[]) =>
    internal(c).emit('deploy.phase', { action: 'deploy', phase: p, state, release: name, hosts: hostNames, failed });

  let started: HostRelease[] = [];
  const abandon = async (error: Error, fallback: string): Promise<never> => {
    const failures = error instanceof HostsFailedError ? error.failures : [];
    const mine = started.filter((r) => !failures.some((f) => f.host === r.host.name && failedBeforeCreating(f.error)));
    await discardAll(c, mine, reasons(mine, failures, fallback), t.size);
    await notifyFailure(c, config, info, error);
    throw error;
  };
  const interrupted = (where: string) =>
    new InterruptedError(`interrupted during ${where}: no host was switched; the release directories of ${name} were removed and the lock released`);

  try {
    await runRunHook(c, 'beforePrepare', config.hooks?.beforePrepare, info);
  } catch (e) {
    await notifyFailure(c, config, info, e as Error);
    throw e;
  }
  const { buildArtifact } = await import('./build.js');
  let artifact: Awaited<ReturnType<typeof buildArtifact>> | undefined;
  try {
    if (strategy === 'upload') {
      phase('build', 'start');
      artifact = await buildArtifact(c, repoDirOf(config, c.session.root), resolved, name, config.build).catch(async (e: Error) => {
        await notifyFailure(c, config, info, e);
        throw e;
      });
      source.artifact = artifact.file;
      phase('build', 'end');
    }
    if (c.session.signal.aborted) throw new InterruptedError('interrupted before prepare: nothing was changed; the lock was released');

    phase('prepare', 'start');
    const startedSet = new Set<string>();
    const prepared = await forHosts(c, t.hosts, t.size, async (h) => {
      startedSet.add(h.name);
      const rel = rels.find((r) => r.host === h)!;
      await prepareRelease(c, rel, config, source);
      if (config.hooks?.afterPrepare) {
        const hook = await runHostHook(c, 'afterPrepare', config.hooks.afterPrepare, [rel], 1);
        if (hook.failed.length) throw hook.failed[0]!.error;
      }
    });
    started = rels.filter((r) => startedSet.has(r.host.name));
    if (c.session.signal.aborted || prepared.notStarted.length) return await abandon(interrupted('prepare'), 'interrupted');
    if (prepared.failed.length) {
      phase('prepare', 'failed', prepared.failed.map((f) => f.host));
      const err = new HostsFailedError(`prepare of release ${name} (no host was switched; release directories removed)`, prepared.failed);
      return await abandon(err, `prepare failed on ${prepared.failed.map((f) => f.host).join(', ')}`);
    }
    phase('prepare', 'end');
  } finally {
    await artifact?.dispose();
  }

  try {
    if (config.once?.length) await runOnceSteps(c, config.once, rels);
    await runRunHook(c, 'beforeSwitch', config.hooks?.beforeSwitch, info);
  } catch (e) {
    return await abandon(c.session.signal.aborted ? interrupted('the once steps') : (e as Error), `before the switch: ${errorText(e)}`);
  }
  if (c.session.signal.aborted) return await abandon(interrupted('prepare'), 'interrupted');

  phase('switch', 'start');
  try {
    await switchAll(c, rels.map((r) => ({ host: r.host, deployPath: r.deployPath, to: r.name, fromLink: states.get(r.host.name)?.currentLink })), t.size, `switch to ${name}`);
  } catch (e) {
    phase('switch', 'failed');
    return await abandon(e as Error, 'the switch failed on another host');
  }
  phase('switch', 'end');
  announce(c, 'success', `release ${name} is live on ${hostNames.length} host${hostNames.length === 1 ? '' : 's'}`, what);

  for (const [step, run] of [
    ['afterSwitch', () => runHostHook(c, 'afterSwitch', config.hooks?.afterSwitch, rels, t.size)],
    ['restart', () => restartAll(c, config, rels, t.size)],
  ] as const) {
    phase(step, 'start');
    const fan = await run();
    const failures = [...fan.failed, ...fan.notStarted.map((h) => ({ host: h.name, error: new Error('interrupted before it started') }))];
    if (failures.length) {
      phase(step, 'failed', failures.map((f) => f.host));
      const err = await failAfterSwitch(c, config, info, rels, failures, step, t.size, states).catch((e: Error) => e);
      await notifyFailure(c, config, info, err);
      throw err;
    }
    phase(step, 'end');
  }

  const recordFailures = await recordAll(c, rels, 'deployed', (r) => ({ action: 'deploy', from: r.previous }), t.size);
  for (const f of recordFailures) c.on(rels.find((r) => r.host.name === f.host)!.host).warn(`could not record the deploy in history.jsonl: ${errorText(f.error)}`);
  await runRunHook(c, 'afterDeploy', config.hooks?.afterDeploy, info).catch((e: Error) => {
    throw new DplError(`release ${name} is live and recorded on every host, but ${e.message}`, { cause: e });
  });
  await afterSuccess(c, config, t, resolved);
  return { release: name, ref: resolved, hosts: hostNames };
}

/** Cleanup and the deploy tag: useful, but a deploy that is live must not fail because of them. */
export async function afterSuccess(c: Context, config: ReleaseConfig, t: Targets, resolved: ResolvedRef): Promise<void> {
  if (config.cleanup !== false) {
    const { cleanupHosts } = await import('./cleanup.js');
    await cleanupHosts(c, config, t, {}).catch((e) => c.warn(`cleanup after the deploy failed: ${errorText(e)}`));
  }
  if (config.deployTag) {
    const environment = config.deployTag.environment ?? c.environment?.name;
    if (!environment) return c.warn('deployTag: no environment (set deployTag.environment); the commit was not tagged');
    try {
      const { createDeployTag } = await import('../git/deploy-tag.js');
      const tag = await createDeployTag(repoDirOf(config, c.session.root), { environment, sha: resolved.sha, push: config.deployTag.push, remote: config.remote });
      c.log(`tagged ${shortSha(resolved.sha)} as ${tag.tag}${tag.pushed ? ' (pushed)' : ''}`);
    } catch (e) {
      c.warn(`could not tag the deploy: ${errorText(e)}`);
    }
  }
}

export async function notifyFailure(c: Context, config: ReleaseConfig, info: DeployInfo, error: Error): Promise<void> {
  const what = { release: info.release, ref: info.ref, hosts: info.hosts.map((h) => h.name), error: errorText(error) };
  announce(c, 'failure', `deploy of ${info.release} failed: ${errorText(error).split('\n')[0]}`, what);
  try {
    await config.hooks?.onFailure?.(c, info, error);
  } catch (e) {
    c.warn(`hook onFailure failed: ${errorText(e)}`);
  }
}
