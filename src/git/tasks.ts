// The built-in git tasks, a namespace a deployfile mounts under a key, or whose
// tasks it puts at the top (`hotfix.start`, `release.finish`, `version.show`...):
//   tasks: { ...gitTasks({ versionFile: { path: 'opensky/config/version.ini', key: 'opensky.version' } }).tasks }
// Cheap to import: simple-git, semver and ini load inside the task bodies only.
import type { Context } from '../core/context-types.js';
import { internal } from '../core/internal.js';
import type { GitEvent } from './events.js';
import { namespace, task } from '../core/task.js';
import { describeVersionFile, repoDirOf, versionFileSpec, type FlowKind, type GitConfig } from './config.js';

export type { GitConfig, VersionFileConfig } from './config.js';
export { describeResolved, reportResolved, type ResolvedRef, type RefKind } from './describe.js';
export type { GitEvent };


export function gitTasks(config: GitConfig = {}) {
  const dir = (c: Context) => repoDirOf(config, c.session.root);
  const log = (c: Context) => (message: string) => c.log(message, { topic: 'git' });

  const flow = (kind: FlowKind, base: string) =>
    namespace(
      {
        start: task(
          {
            desc: `Branch ${kind}/X.Y.Z off ${base} and commit the version bump`,
            run: 'local',
            args: { version: { required: true, desc: 'the new version, X.Y.Z' } },
          },
          async (c, args) => {
            const { startFlow } = await import('./flow.js');
            const r = await startFlow(dir(c), kind, args.version, config, log(c));
            internal(c).emit('git.flow', { kind, version: r.version, state: 'started', branch: r.branch, base: r.base });
            return r;
          },
        ),
        finish: task(
          {
            desc: `Merge ${kind}/X.Y.Z into production and develop (--no-ff), tag it, delete it`,
            run: 'local',
            args: {
              version: { required: true, desc: 'the version started, X.Y.Z' },
              push: { type: 'boolean', desc: `push branches and tag (default ${config.push ?? false})` },
            },
          },
          async (c, args) => {
            const { finishFlow } = await import('./finish.js');
            const r = await finishFlow(dir(c), kind, args.version, config, { push: args.push }, log(c));
            internal(c).emit('git.flow', { kind, version: r.version, state: 'finished', tag: r.tag, sha: r.sha, pushed: r.pushed });
            return r;
          },
        ),
      },
      { desc: `git-flow ${kind} branches (${kind}/X.Y.Z)` },
    );

  const version = namespace(
    {
      show: task({ desc: 'Show the version file and the highest version tags', run: 'local' }, async (c) => {
        const { showVersion } = await import('./bump.js');
        const info = await showVersion(dir(c), config);
        const spec = versionFileSpec(config);
        const file = info.file && spec ? { describe: describeVersionFile(spec), ...info.file } : undefined;
        internal(c).emit('git.version', { ...(file ? { file } : {}), stable: info.stable, latest: info.latest });
        return info;
      }),
      bump: task(
        {
          desc: 'Bump the version file on the current branch (its own commit)',
          run: 'local',
          args: { to: { required: true, desc: 'patch, minor, major or X.Y.Z' } },
        },
        async (c, args) => {
          const { bumpVersion } = await import('./bump.js');
          return bumpVersion(dir(c), args.to, config, log(c));
        },
      ),
      resolve: task(
        {
          desc: 'Show what a ref (stable, latest, tag, branch, SHA) resolves to',
          run: 'local',
          args: {
            ref: { default: 'stable', desc: 'stable, latest, a tag, branch or SHA' },
            fetch: { type: 'boolean', default: false, desc: 'fetch from the remote first' },
          },
        },
        async (c, args) => {
          const { resolveRef } = await import('./refs.js');
          const r = await resolveRef(dir(c), args.ref, {
            fetch: args.fetch,
            remote: config.remote,
            tagPrefix: config.tagPrefix,
          });
          internal(c).emit('git.resolved', r);
          return r;
        },
      ),
    },
    { desc: 'The version file and version tags', default: 'show' },
  );

  return namespace({ hotfix: flow('hotfix', 'production'), release: flow('release', 'develop'), version }, { desc: 'git-flow hotfixes and releases, and the version file' });
}
