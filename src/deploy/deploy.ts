// `deploy[:ref]`: resolve the ref here, then the release pipeline (src/pipeline/) on
// every target at once: lock → prepare everywhere → (once steps) → the decision →
// switch everywhere → restart → record, each step a barrier over all target hosts.
// What deploys share lives in targets.ts (hosts, repository URL) and ends.ts (after success, failure).
import type { Context } from '../core/context-types.js';
import type { ResolvedRef } from '../git/describe.js';
import { repoDirOf, strategyOf, type ReleaseConfig } from './config.js';
import type { PrepareSource } from './prepare.js';
import { shortSha } from './remote.js';
import { preconnect, repoUrlOf, targetsOf } from './targets.js';

export interface DeployResult {
  release: string;
  ref: ResolvedRef;
  hosts: string[];
}

/** Resolve the ref locally (git module, loaded now) and say what it is before anything happens. */
export async function resolveForDeploy(c: Context, config: ReleaseConfig, ref: string): Promise<ResolvedRef> {
  const { resolveRef } = await import('../git/refs.js');
  const { reportResolved } = await import('../git/describe.js');
  const resolved = await resolveRef(repoDirOf(config, c.session.root), ref, { tagPrefix: config.tagPrefix, fetch: config.fetch, remote: config.remote });
  reportResolved(c, resolved);
  return resolved;
}

export async function deployRelease(c: Context, config: ReleaseConfig, refArg: string | undefined): Promise<DeployResult> {
  const strategy = strategyOf(config);
  const t = targetsOf(c, config, 'deploy');
  preconnect(c, t);
  const resolved = await resolveForDeploy(c, config, refArg ?? config.defaultRef ?? 'stable');
  if (c.environment?.confirm && !c.session.flags.dryRun) {
    // What will ship, and y/N, before the lock (src/deploy/pending-confirm.ts).
    const { confirmShipment, deployQuestion } = await import('./pending-confirm.js');
    await confirmShipment(c, config, t.hosts, resolved, deployQuestion(c, resolved, t.hosts.length));
  }
  const source: PrepareSource = strategy === 'upload' ? {} : { repoUrl: await repoUrlOf(c, config) };
  if (strategy === 'git' && config.reuse === true) {
    const { ReuseCheck } = await import('./git-reuse.js');
    source.reuse = new ReuseCheck(repoDirOf(config, c.session.root));
    // Asked now, so the answer is in by the time the first host prepares.
    void source.reuse.plainTree(resolved.sha);
  }
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

