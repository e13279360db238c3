// How `secrets` in releaseTasks({...}) joins the deploy, through the hooks the
// pipeline already runs: beforePrepare reads every secret the deploy will need
// (a missing one fails before any host changes), afterPrepare writes the file on
// each host, and hooks made with withSecrets get theirs as environment.
// Cheap to import (tasks.ts does): the work is loaded when a hook runs.
import type { Context } from '../core/context-types.js';
import { internal } from '../core/internal.js';
import type { HostVars } from '../core/host.js';
import type { DeployInfo, HostRelease, OnceStep, ReleaseConfig, ReleaseHooks } from '../deploy/config.js';
import { checkSharedPath } from '../deploy/config.js';
import { checkNames, type SecretsConfig } from './names.js';

declare module '../core/events.js' {
  interface EventMap {
    /** The secrets file a host gets: `count` secrets at `path` (mode 0600). Said by a dry run, which writes nothing. */
    'secrets.file': { host: string; path: string; count: number; dryRun: boolean };
  }
}

/** Default file, in `<deployPath>/shared/`. */
export const DEFAULT_SECRETS_FILE = '.env';

const NEEDS = Symbol.for('dpl.secrets.needs');
/** On a config applySecrets returned: applying twice would deliver twice. */
const APPLIED = Symbol.for('dpl.secrets.applied');

type HostHookFn<V extends HostVars> = (c: Context<V>, release: HostRelease) => Promise<void> | void;
interface Needs<V extends HostVars> {
  names: readonly string[];
  hook: HostHookFn<V>;
}
type Marked<V extends HostVars> = HostHookFn<V> & { [NEEDS]?: Needs<V> };

/**
 * A host hook (restart, afterSwitch, afterPrepare, a once step's run) whose `c.run`
 * commands get these secrets as environment variables, read from their stdin.
 */
export function withSecrets<V extends HostVars = HostVars>(names: readonly string[], hook: HostHookFn<V>): HostHookFn<V> {
  const marked: Marked<V> = async () => {
    throw new TypeError('withSecrets(...) must be used inside releaseTasks({ secrets, hooks })');
  };
  marked[NEEDS] = { names: [...names], hook };
  return marked;
}

const needsOf = <V extends HostVars>(f: unknown): Needs<V> | undefined => (typeof f === 'function' ? (f as Marked<V>)[NEEDS] : undefined);

/** The config with the secrets wired into its hooks; the same object when it has none. */
export function applySecrets<V extends HostVars>(config: ReleaseConfig<V>): ReleaseConfig<V> {
  const secrets = config.secrets;
  const hooks = config.hooks ?? {};
  const marked = [...Object.values(hooks), ...(config.once ?? []).map((s) => s.run)].filter((f) => needsOf(f));
  if ((!secrets && !marked.length) || (config as Record<symbol, unknown>)[APPLIED]) return config;
  const all: SecretsConfig = secrets ?? {};
  const file = config.secretsFile === undefined ? DEFAULT_SECRETS_FILE : config.secretsFile;
  const fileNames = file === false ? [] : Object.keys(all);
  if (file !== false) checkSharedPath(file);
  checkNames(all, fileNames, 'releaseTasks secrets');
  for (const f of marked) checkNames(all, needsOf(f)!.names, 'withSecrets');
  const bind = (f: HostHookFn<V> | undefined): HostHookFn<V> | undefined => {
    const needs = needsOf<V>(f);
    if (!needs) return f;
    return async (c, rel) => {
      if (c.session.flags.dryRun) return needs.hook(c, rel);
      const [{ resolveSecrets }, { secretEnvContext }] = await Promise.all([import('./resolve.js'), import('./hook-env.js')]);
      return needs.hook(secretEnvContext(c, await resolveSecrets(c, all, needs.names)), rel);
    };
  };
  const bound: ReleaseHooks<V> = {};
  for (const [k, f] of Object.entries(hooks) as Array<[keyof ReleaseHooks<V>, unknown]>) (bound as Record<string, unknown>)[k] = bind(f as HostHookFn<V>) ?? f;
  const early = [...new Set([...fileNames, ...marked.flatMap((f) => needsOf(f)!.names)])];
  const userBefore = bound.beforePrepare;
  const userAfter = bound.afterPrepare;
  bound.beforePrepare = async (c: Context<V>, deploy: DeployInfo) => {
    const { resolveSecrets } = await import('./resolve.js');
    if (!c.session.flags.dryRun) await resolveSecrets(c, all, early);
    await userBefore?.call(bound, c, deploy);
  };
  if (file !== false && fileNames.length) {
    bound.afterPrepare = async (c: Context<V>, rel: HostRelease) => {
      const [{ resolveSecrets }, { deliverFile, secretsFilePath }] = await Promise.all([import('./resolve.js'), import('./deliver.js')]);
      if (c.session.flags.dryRun) internal(c).emit('secrets.file', { host: rel.host.name, path: secretsFilePath(rel, file), count: fileNames.length, dryRun: true });
      else await deliverFile(c, rel, file, await resolveSecrets(c, all, fileNames));
      await userAfter?.call(bound, c, rel);
    };
  }
  const once: OnceStep<V>[] | undefined = config.once?.map((s) => ({ ...s, run: bind(s.run)! }));
  return Object.assign({ ...config, hooks: bound, ...(once ? { once } : {}) }, { [APPLIED]: true });
}
