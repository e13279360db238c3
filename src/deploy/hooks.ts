// Running the deployfile's hooks: every hook is awaited (Shipit did not), per-host
// hooks run bounded-parallel with their failures collected per host, and a host
// hook's context is already in the release directory with DPL_* variables set.
import type { Context } from '../core/context-types.js';
import { internal } from '../core/internal.js';
import type { Host } from '../core/host.js';
import { DplError, HostError } from '../core/errors.js';
import type { DeployInfo, HostHook, HostRelease, OnceStep, RunHook } from './config.js';
import type { FanOut } from '../core/fanout.js';
import { errorText, forHosts } from './remote.js';
import type {} from './events.js'; // the EventMap entries this file emits

/** `c` for a host hook: on the host, in the release directory, DPL_* set. */
export function releaseContext(c: Context, rel: HostRelease): Context {
  const env: Record<string, string> = {
    DPL_RELEASE: rel.name,
    DPL_RELEASE_PATH: rel.path,
    DPL_DEPLOY_PATH: rel.deployPath,
    DPL_REVISION: rel.ref.sha,
    DPL_REF: rel.ref.ref,
  };
  if (rel.ref.tag) env.DPL_TAG = rel.ref.tag;
  if (rel.previous) env.DPL_PREVIOUS_RELEASE = rel.previous;
  return c.on(rel.host).cd(rel.path).withEnv(env);
}

/** Wrap an error from a hook so the message says which hook failed. */
function hookError(name: string, host: Host | undefined, e: unknown): Error {
  if (!host) return new DplError(`hook ${name} failed: ${errorText(e)}`, { code: 'hook.failed', cause: e });
  return new HostError(host.name, `hook ${name} failed: ${errorText(e, { tagged: host.name })}`, { code: 'hook.failed', cause: e });
}

/** A per-host hook on every release (bounded parallel); failures collected, none thrown. */
export async function runHostHook(
  c: Context,
  name: string,
  hook: HostHook | undefined,
  releases: HostRelease[],
  size: number,
  o: { interruptible?: boolean } = {},
): Promise<FanOut<void>> {
  const byHost = new Map(releases.map((r) => [r.host.name, r]));
  return forHosts(
    c,
    releases.map((r) => r.host),
    size,
    async (h) => {
      if (!hook) return;
      const rel = byHost.get(h.name)!;
      try {
        await hook(releaseContext(c, rel), rel);
      } catch (e) {
        throw hookError(name, h, e);
      }
    },
    o,
  );
}

/** A run-once hook, locally. */
export async function runRunHook(c: Context, name: string, hook: RunHook | undefined, info: DeployInfo): Promise<void> {
  if (!hook) return;
  try {
    await hook(c, info);
  } catch (e) {
    throw hookError(name, undefined, e);
  }
}

/**
 * Once steps (migrations), in order, each on the first target host of its role.
 * A role with no target host is skipped with a warning: `-H web-3 deploy` must
 * not run migrations meant for the db role somewhere else. A step with `migrations`
 * records what its release added (migrations.ts).
 */
export async function runOnceSteps(c: Context, steps: OnceStep[], releases: HostRelease[]): Promise<void> {
  for (const [i, step] of steps.entries()) {
    const label = step.name ?? `once[${i}]${step.role ? ` (${step.role})` : ''}`;
    let rel: HostRelease | undefined;
    if (step.role) {
      const members = new Set((await c.session.resolveHosts({ roles: [step.role] })).map((h) => h.name));
      rel = releases.find((r) => members.has(r.host.name));
      if (!rel) {
        internal(c).emit('deploy.hook', { hook: label, state: 'skipped', role: step.role });
        continue;
      }
    } else {
      rel = releases[0];
    }
    if (!rel) continue;
    if (c.session.signal.aborted) throw new DplError(`interrupted before ${label}`, { code: 'interrupted' });
    internal(c).emit('deploy.hook', { hook: label, state: 'start', host: rel.host.name });
    try {
      await step.run(releaseContext(c, rel), rel);
    } catch (e) {
      throw hookError(label, rel.host, e);
    }
    if (step.migrations) {
      const { migrationDirs, recordApplied } = await import('./migrations.js');
      // The step succeeded: a record that cannot be written is warned about, never undoes the deploy.
      await recordApplied(c, label, migrationDirs(step.migrations), rel, releases).catch((e: Error) =>
        internal(c).emit('deploy.unrecorded', { host: rel.host.name, what: 'migrations', step: label, error: e.message }),
      );
    }
  }
}
