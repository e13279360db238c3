// Date tags on deployed commits (`deploy/production/2026-11-22T15.30Z`), so the repo
// records what ran where and when. Called by the deploy module after a deploy.
import { DplError, UsageError } from '../core/errors.js';
import { DEFAULT_REMOTE } from './config.js';
import { commitOf, messageOf, openRepo } from './repo.js';

export interface DeployTagOptions {
  environment: string;
  /** The deployed commit (any revision git understands). */
  sha: string;
  /** Push the tag to the remote. Default false. */
  push?: boolean;
  /** Deploy time. Default: now. */
  now?: Date;
  /** Default `origin`. */
  remote?: string;
  /** Default `deploy/`. */
  prefix?: string;
}

export interface DeployTagResult {
  tag: string;
  sha: string;
  /** False when the same tag already named this commit (a repeated call). */
  created: boolean;
  pushed: boolean;
}

/** `2026-11-22T15.30Z`: minutes in UTC, with a dot because ':' is not allowed in refs. */
export function deployStamp(now: Date): string {
  return now.toISOString().slice(0, 16).replace(':', '.') + 'Z';
}

export async function createDeployTag(repoDir: string, options: DeployTagOptions): Promise<DeployTagResult> {
  const { environment } = options;
  if (!environment || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(environment) || environment.includes('..')) {
    throw new UsageError(`invalid environment name for a deploy tag: ${JSON.stringify(environment)}`, {
      code: 'config.invalid',
      hint: 'use letters, digits, ".", "_" and "-" (e.g. production)',
    });
  }
  const now = options.now ?? new Date();
  if (Number.isNaN(now.getTime())) throw new UsageError('createDeployTag: `now` is not a valid date');
  const repo = await openRepo(repoDir);
  const sha = await commitOf(repo, options.sha);
  if (!sha) {
    throw new DplError(`cannot tag the deploy: ${JSON.stringify(options.sha)} is not a commit in ${repo.dir}`, {
      code: 'git.ref',
      hint: 'fetch the deployed commit into this repo first',
    });
  }
  const base = `${options.prefix ?? 'deploy/'}${environment}/${deployStamp(now)}`;
  // Two deploys in the same minute get -2, -3; the same call twice reuses its tag.
  let tag = base;
  let created = true;
  for (let n = 2; ; n++) {
    const existing = await commitOf(repo, `refs/tags/${tag}`);
    if (!existing) break;
    if (existing === sha) {
      created = false;
      break;
    }
    tag = `${base}-${n}`;
  }
  if ((await repo.tryGit(['check-ref-format', '--normalize', `refs/tags/${tag}`])) === undefined) {
    throw new UsageError(`invalid deploy tag name ${JSON.stringify(tag)}`, { code: 'git.ref', hint: 'check the deploy tag prefix' });
  }
  if (created) {
    await repo.git(['tag', '-a', '-m', `Deployed to ${environment} at ${now.toISOString()}`, tag, sha]);
  }
  let pushed = false;
  if (options.push) {
    const remote = options.remote ?? DEFAULT_REMOTE;
    try {
      await repo.git(['push', remote, `refs/tags/${tag}`]);
      pushed = true;
    } catch (err) {
      throw new DplError(`deploy tag ${tag} was created but pushing it to ${remote} failed: ${messageOf((err as Error).cause ?? err)}`, {
        code: 'git.remote',
        hint: `push it later with \`git push ${remote} refs/tags/${tag}\``,
      });
    }
  }
  return { tag, sha, created, pushed };
}
