// The ends of a deploy, shared by the pipeline and the rollout: cleanup and the deploy tag after
// success, the announcement and hook after a failure.
import type { Context } from '../core/context-types.js';
import type { ResolvedRef } from '../git/describe.js';
import { repoDirOf, type DeployInfo, type ReleaseConfig } from './config.js';
import { internal } from '../core/internal.js';
import { errorText } from './remote.js';
import { announce, codeOf } from './announce.js';
import type { Targets } from './targets.js';
import type {} from './events.js'; // the EventMap entries this file emits

/** Cleanup and the deploy tag: useful, but a deploy that is live must not fail because of them. */
export async function afterSuccess(c: Context, config: ReleaseConfig, t: Targets, resolved: ResolvedRef): Promise<void> {
  if (config.cleanup !== false) {
    const { cleanupHosts } = await import('./cleanup.js');
    await cleanupHosts(c, config, t, {}).catch((e) => internal(c).emit('deploy.cleanup', { error: errorText(e) }));
  }
  if (config.deployTag) {
    const environment = config.deployTag.environment ?? c.environment?.name;
    if (!environment) return internal(c).emit('deploy.tag', { sha: resolved.sha, noEnvironment: true });
    try {
      const { createDeployTag } = await import('../git/deploy-tag.js');
      const tag = await createDeployTag(repoDirOf(config, c.session.root), { environment, sha: resolved.sha, push: config.deployTag.push, remote: config.remote });
      internal(c).emit('deploy.tag', { sha: resolved.sha, tag: tag.tag, pushed: tag.pushed });
    } catch (e) {
      internal(c).emit('deploy.tag', { sha: resolved.sha, error: errorText(e) });
    }
  }
}

export async function notifyFailure(c: Context, config: ReleaseConfig, info: DeployInfo, error: Error): Promise<void> {
  announce(c, 'failure', { release: info.release, ref: info.ref, hosts: info.hosts.map((h) => h.name), error: errorText(error), code: codeOf(error) });
  try {
    await config.hooks?.onFailure?.(c, info, error);
  } catch (e) {
    internal(c).emit('deploy.hook', { hook: 'onFailure', state: 'failed', error: errorText(e) });
  }
}
