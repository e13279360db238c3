// `deploy[:ref]`: resolve the ref here, then the release pipeline (src/pipeline/) on
// every target at once: lock → prepare everywhere → (once steps) → the decision →
// switch everywhere → restart → record, each step a barrier over all target hosts.
// Also what deploys share: targets, the repository URL, and the ends of a deploy.
import type { Context } from '../core/context-types.js';
import type { Host } from '../core/host.js';
import { UsageError } from '../core/errors.js';
import type { ResolvedRef } from '../git/describe.js';
import { deployPathOf, poolSizeOf, repoDirOf, strategyOf, type DeployInfo, type ReleaseConfig } from './config.js';
import { layoutOf, type Layout } from './layout.js';
import type { PrepareSource } from './prepare.js';
import { errorText, shortSha } from './remote.js';
import { announce } from './announce.js';

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
  const source: PrepareSource = strategy === 'upload' ? {} : { repoUrl: await repoUrlOf(c, config) };
  const [{ runPipeline }, { allAtOnce, inPlace }, { releaseDirectory, checkout }] = await Promise.all([
    import('../pipeline/pipeline.js'),
    import('../pipeline/flow.js'),
    import('../pipeline/movers.js'),
  ]);
  const pull = strategy === 'pull';
  const run = await runPipeline(c, {
    action: 'deploy',
    config,
    hosts: t.hosts,
    layouts: t.layouts,
    size: t.size,
    flow: pull ? inPlace : allAtOnce,
    mover: pull ? checkout : releaseDirectory,
    lockTarget: `${c.taskName}:${resolved.ref} (${resolved.tag ?? shortSha(resolved.sha)}${pull ? ', in place' : ''})`,
    resolved,
    source,
  });
  return { release: run!.name, ref: resolved, hosts: t.hosts.map((h) => h.name) };
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
