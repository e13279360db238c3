// The task factory a deployfile mounts:
//   tasks: { deploy: releaseTasks({ shared: { dirs: ['log'] }, services: { restart: ['app'] } }) }
// giving `deploy[:ref]` (= deploy.release), deploy.rollback, deploy.releases,
// deploy.cleanup, deploy.unlock, deploy.recover, deploy.pending and deploy.check. Cheap to import: everything
// that does work is loaded with `import()` inside the task bodies.
import { namespace, task } from '../core/task.js';
import type { Context } from '../core/context-types.js';
import type { HostVars } from '../core/host.js';
import type { ReleaseConfig } from './config.js';
import type { ProxyConfig } from '../proxy/config.js';
import type { RolloutConfig } from '../rollout/config.js';
import { applySecrets } from '../secrets/config.js';

export type { ReleaseConfig, ReleaseHooks, HostRelease, DeployInfo, HostHook, RunHook, OnceStep, MigrationUndo, ServicesConfig, ServiceManager, Strategy } from './config.js';
export { restartTask, reloadTask, serviceTasks } from './services.js';

export function releaseTasks<V extends HostVars = HostVars>(given: ReleaseConfig<V> = {}) {
  const config = applySecrets(given);
  const own = { ...(config.roles ? { roles: config.roles } : {}), ...(config.hosts ? { hosts: config.hosts } : {}) };
  const targets = async (c: Context, what: string) => {
    const { targetsOf } = await import('./targets.js');
    return targetsOf(c, config, what);
  };
  return namespace(
    {
      release: task(
        {
          desc: 'Deploy a ref as a new release on every host: lock, prepare all, then switch all',
          run: 'targets',
          ...own,
          args: {
            ref: { desc: `stable, latest, a tag, branch or SHA (default ${config.defaultRef ?? 'stable'})` },
            plan: { type: 'list', desc: 'rollout batches, e.g. 1;50%;100% (canary, half, rest)' },
          },
        },
        async (c, { ref, plan }) => {
          if (config.rollout || plan?.length) {
            const { rolloutRelease } = await import('../rollout/index.js');
            return rolloutRelease(c, config, { ref, plan, proxy: config.proxy, rollout: config.rollout || undefined });
          }
          const { deployRelease } = await import('./deploy.js');
          return deployRelease(c, config, ref);
        },
      ),
      rollback: task(
        {
          desc: 'Switch back to the previous good release (or the one named), restart, mark the abandoned one',
          run: 'targets',
          ...own,
          args: {
            release: { desc: 'release name (e.g. 20261122T153000Z); default: the previous good one' },
            force: { type: 'boolean', default: false, desc: 'allow a release marked failed or rolled back' },
            'allow-schema-ahead': { type: 'boolean', default: false, desc: 'go back past applied migrations, leaving them applied (no rollbackMigrations hook)' },
          },
        },
        async (c, { release, force, 'allow-schema-ahead': schemaAhead }) => {
          const { rollback } = await import('./rollback.js');
          return rollback(c, config, release, force, { allowSchemaAhead: schemaAhead });
        },
      ),
      releases: task({ desc: 'List the releases on each host: status, ref, which is current', run: 'targets', ...own }, async (c) => {
        const { listReleases } = await import('./inspect.js');
        return listReleases(c, await targets(c, 'deploy.releases'));
      }),
      cleanup: task(
        {
          desc: `Remove old releases, keeping the ${config.keep ?? 5} newest good ones, current and the previous good one`,
          run: 'targets',
          ...own,
          args: {
            keep: { type: 'number', desc: `good releases to keep (default ${config.keep ?? 5})` },
            sudo: { type: 'boolean', default: false, desc: 'delete with sudo (files written by another user)' },
          },
        },
        async (c, { keep, sudo }) => {
          const { cleanupTask } = await import('./cleanup.js');
          return cleanupTask(c, config, await targets(c, 'deploy.cleanup'), { keep, sudo });
        },
      ),
      unlock: task({ desc: "Force-remove the deploy lock (whoever holds it); check no deploy is running first", run: 'targets', ...own }, async (c) => {
        const [{ forceUnlock }, t] = await Promise.all([import('./lock.js'), targets(c, 'deploy.unlock')]);
        return forceUnlock(c, t.hosts, t.layouts, t.size);
      }),
      recover: task({ desc: 'Finish (or undo) a deploy that did not finish: its dpl died, lost a host, or was interrupted', run: 'targets', ...own }, async (c) => {
        const [{ recoverTask }, t] = await Promise.all([import('../pipeline/consistency.js'), targets(c, 'deploy.recover')]);
        return recoverTask(c, config, t);
      }),
      pending: task(
        {
          desc: 'Show what a deploy of the ref would ship to each group of hosts: commits, changed files, migrations (changes nothing)',
          run: 'targets',
          ...own,
          args: { ref: { desc: `stable, latest, a tag, branch or SHA (default ${config.defaultRef ?? 'stable'})` } },
        },
        async (c, { ref }) => {
          const [{ pendingTask }, { resolveForDeploy }, t] = await Promise.all([import('./pending.js'), import('./deploy.js'), targets(c, 'deploy.pending')]);
          return pendingTask(c, config, t, await resolveForDeploy(c, config, ref ?? config.defaultRef ?? 'stable'));
        },
      ),
      // With a load balancer or rollout config: `deploy.restart[:plan=1;50%;100%]`, the live release restarted batch by batch.
      ...(config.proxy || config.rollout
        ? {
            restart: task(
              { desc: 'Rolling restart of the live release, no deploy: per batch drain, restart, health check, back in rotation', run: 'targets', ...own, args: { plan: { type: 'list', desc: 'batches, e.g. 1;50%;100%' } } },
              async (c, { plan }) => {
                const { rollingRestart } = await import('../rollout/index.js');
                return rollingRestart(c, config, { plan, proxy: config.proxy, rollout: config.rollout || undefined });
              },
            ),
          }
        : {}),
      check: task({ desc: 'Check every host can be reached, written and locked, and the fleet is on one release (finishing an unfinished deploy)', run: 'targets', ...own }, async (c) => {
        const { checkHosts } = await import('./inspect.js');
        return checkHosts(c, config, await targets(c, 'deploy.check'));
      }),
    },
    { default: 'release', desc: 'Release deploys: timestamped release directories switched atomically on every host' },
  );
}

export interface DeployOptions {
  /** stable, latest, a tag, branch or SHA (default: the config's defaultRef, else stable). */
  ref?: string;
  /** `all`: every host prepared, then every host switched; `canary`: canary → half → rest, baked (issue #19's plans). */
  strategy?: 'all' | 'canary';
  /** For `canary`: the batches (default: the rollout config's plan) and the load balancer and judge. */
  plan?: string[];
  proxy?: ProxyConfig;
  rollout?: RolloutConfig;
}

export interface RestartOptions {
  /** The batches (default: the rollout config's plan, else 1;50%;100%). */
  plan?: string[];
  /** The load balancers; without them: no drain, health checks only. */
  proxy?: ProxyConfig;
  rollout?: RolloutConfig;
}

/**
 * The release deploy as a namespace to mount (`deploy: app.tasks`-style, or the
 * whole namespace under a key), plus `deploy(c, { ref, strategy })` for a task of
 * the deployfile's own that picks how to deploy: typed, no cast.
 */
export function release<V extends HostVars = HostVars>(given: ReleaseConfig<V> = {}) {
  const config = applySecrets(given);
  const ns = releaseTasks<V>(given);
  return {
    ...ns,
    async deploy(c: Context, o: DeployOptions = {}): Promise<unknown> {
      if (o.strategy === 'canary') {
        const { rolloutRelease } = await import('../rollout/index.js');
        return rolloutRelease(c, config, { ref: o.ref, plan: o.plan, proxy: o.proxy ?? config.proxy, rollout: o.rollout ?? (config.rollout || undefined) });
      }
      const { deployRelease } = await import('./deploy.js');
      return deployRelease(c, config, o.ref);
    },
    /** Rolling restart of the live release, no deploy (`app.restart(c, { proxy, rollout })`): drain, restart, health, ready per batch. */
    async restart(c: Context, o: RestartOptions = {}): Promise<unknown> {
      const { rollingRestart } = await import('../rollout/index.js');
      return rollingRestart(c, config, { plan: o.plan, proxy: o.proxy ?? config.proxy, rollout: o.rollout ?? (config.rollout || undefined) });
    },
  };
}
