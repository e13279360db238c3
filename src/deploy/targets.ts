// What every release task works on: the target hosts with their layouts, and the repository
// URL the hosts fetch from. Kept apart from deploy.ts so the pipeline can use them without
// importing the task that drives it.
import type { Context } from '../core/context-types.js';
import type { Host } from '../core/host.js';
import { UsageError } from '../core/errors.js';
import { internal } from '../core/internal.js';
import { deployPathOf, poolSizeOf, repoDirOf, type ReleaseConfig } from './config.js';
import { layoutOf, type Layout } from './layout.js';

export interface Targets {
  hosts: Host[];
  layouts: Map<string, Layout>;
  size: number;
}

export function targetsOf(c: Context, config: ReleaseConfig, what: string): Targets {
  const hosts = [...c.targets.hosts];
  if (!hosts.length) {
    throw new UsageError(`${what}: no hosts to work on`, { code: 'config.invalid', hint: 'choose them with -H/-R, an environment task (`dpl prod deploy`), or roles in releaseTasks({...})' });
  }
  const layouts = new Map(hosts.map((h) => [h.name, layoutOf(deployPathOf(h, config, c))]));
  return { hosts, layouts, size: poolSizeOf(config, c) };
}

/**
 * Log in to the hosts the lock takes first (name order, up to the -z bound) while the
 * ref resolves here: the handshakes overlap local work instead of following it. Only
 * logins and each host's step shell, idle until the lock's script (step-shell.ts):
 * nothing of the deploy runs on a host before its lock. A host that cannot be reached
 * is the lock step's to report.
 */
export function preconnect(c: Context, t: Targets): void {
  if (c.session.flags.dryRun) return;
  const first = [...t.hosts].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).slice(0, t.size);
  for (const h of first) internal(c.on(h)).transport().then((t) => t.warmSteps?.(), () => undefined);
}

export async function repoUrlOf(c: Context, config: ReleaseConfig): Promise<string> {
  if (config.repoUrl) return safeRepoUrl(config.repoUrl, 'repoUrl');
  const { openRepo } = await import('../git/repo.js');
  const dir = repoDirOf(config, c.session.root);
  const remote = config.remote ?? 'origin';
  const url = await (await openRepo(dir)).tryGit(['remote', 'get-url', remote]);
  if (!url) throw new UsageError(`strategy git needs a repository URL the hosts can fetch from; ${dir} has no remote ${remote}`, { code: 'config.invalid', hint: 'set repoUrl in releaseTasks({...})' });
  return safeRepoUrl(url.trim(), `the URL of remote ${remote} in ${dir}`);
}

/** git reads an argument starting with "-" as an option (`--upload-pack=<command>` runs it): never hand one to the hosts. */
function safeRepoUrl(url: string, what: string): string {
  if (url.startsWith('-')) {
    throw new UsageError(`${what} ${JSON.stringify(url)} starts with "-", so git would take it as an option`, { code: 'config.invalid', hint: 'give the repository URL itself (ssh://, https://, user@host:path or a path)' });
  }
  return url;
}
