// The ends of a deploy, shared by the pipeline and the rollout: cleanup and the deploy tag after
// success, the announcement and hook after a failure.
import type { Context } from '../core/context-types.js';
import type { ResolvedRef } from '../git/describe.js';
import { repoDirOf, type DeployInfo, type ReleaseConfig } from './config.js';
import { errorText, shortSha } from './remote.js';
import { announce, codeOf } from './announce.js';
import type { Targets } from './targets.js';

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
  announce(c, 'failure', { release: info.release, ref: info.ref, hosts: info.hosts.map((h) => h.name), error: errorText(error), code: codeOf(error) });
  try {
    await config.hooks?.onFailure?.(c, info, error);
  } catch (e) {
    c.warn(`hook onFailure failed: ${errorText(e)}`);
  }
}
