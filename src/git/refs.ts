// What "deploy stable" means: the highest semver tag without a prerelease part.
// `latest` includes prereleases; anything else is a tag, branch or commit.
import semver, { type SemVer } from 'semver';
import { DplError, UsageError } from '../core/errors.js';
import { DEFAULT_REMOTE, DEFAULT_TAG_PREFIX } from './config.js';
import type { ResolvedRef } from './describe.js';
import { commitOf, hasBranch, hasRemoteBranch, hasTag, messageOf, openRepo, subjectOf, type Repo } from './repo.js';

export { describeResolved, reportResolved, type ResolvedRef, type RefKind } from './describe.js';

export interface ResolveOptions {
  /** Version tag prefix. Default `v`. */
  tagPrefix?: string;
  /** Fetch branches and tags from the remote first, and prefer its branches over local ones. */
  fetch?: boolean;
  /** Default `origin`. */
  remote?: string;
}

export interface VersionTag {
  tag: string;
  version: SemVer;
}

const VERSION_START = /^\d+\.\d+\.\d+/;

/** Every `<prefix>X.Y.Z[-pre]` tag, highest first. Tags that are not semver are ignored. */
export async function versionTags(repo: Repo, tagPrefix = DEFAULT_TAG_PREFIX): Promise<VersionTag[]> {
  const out = await repo.git(['for-each-ref', '--format=%(refname:strip=2)', 'refs/tags']);
  const tags: VersionTag[] = [];
  for (const tag of out.split('\n')) {
    if (!tag || !tag.startsWith(tagPrefix)) continue;
    const rest = tag.slice(tagPrefix.length);
    const version = VERSION_START.test(rest) ? semver.parse(rest) : null;
    if (version && version.raw === rest) tags.push({ tag, version });
  }
  return tags.sort((a, b) => semver.compareBuild(b.version, a.version));
}

export function highest(tags: VersionTag[], includePrerelease: boolean): VersionTag | undefined {
  return tags.find((t) => includePrerelease || t.version.prerelease.length === 0);
}

/** Resolve `stable`, `latest`, a tag, a branch or a commit to a SHA and subject. */
export async function resolveRef(repoDir: string, ref: string, options: ResolveOptions = {}): Promise<ResolvedRef> {
  const name = String(ref ?? '').trim();
  if (!name || name.startsWith('-') || /[\s\0]/.test(name)) {
    throw new UsageError(`invalid git ref ${JSON.stringify(ref)}`, {
      code: 'git.ref',
      hint: 'use stable, latest, a tag (v3.0.1), a branch name or a commit SHA',
    });
  }
  const repo = await openRepo(repoDir);
  const prefix = options.tagPrefix ?? DEFAULT_TAG_PREFIX;
  const remote = options.remote ?? DEFAULT_REMOTE;
  if (options.fetch) await fetchRemote(repo, remote);

  const found = await find(repo, name, prefix, remote, !!options.fetch);
  return { ...found, subject: found.subject ?? (await subjectOf(repo, found.sha)) };
}

/**
 * A tag's commit and subject in one git process (undefined when it has none): a deploy
 * resolves while its logins load the machine, and the lock waits for it.
 */
async function tagged(repo: Repo, tag: string): Promise<{ sha: string; subject: string } | undefined> {
  const out = await repo.tryGit(['log', '-1', '--no-walk', '--format=%H%x1f%s', '--end-of-options', `refs/tags/${tag}^{commit}`, '--']);
  const cut = out?.indexOf('\x1f') ?? -1;
  return out && cut > 0 ? { sha: out.slice(0, cut), subject: out.slice(cut + 1) } : undefined;
}

async function find(
  repo: Repo,
  name: string,
  prefix: string,
  remote: string,
  preferRemote: boolean,
): Promise<Omit<ResolvedRef, 'subject'> & { subject?: string }> {
  if (name === 'stable' || name === 'latest') {
    const tags = await versionTags(repo, prefix);
    const best = highest(tags, name === 'latest');
    if (!best) {
      throw new DplError(`cannot resolve ${name}: no ${name === 'stable' ? 'stable ' : ''}version tag (${prefix}X.Y.Z) in ${repo.dir}`, {
        code: 'git.ref',
        hint: tags.length
          ? `only prerelease tags exist (${tags[0]!.tag}); deploy latest or a tag explicitly`
          : `tag a release first (dpl release.finish:X.Y.Z)${preferRemote ? '' : ', or fetch tags from the remote'}`,
      });
    }
    const hit = await tagged(repo, best.tag);
    return { ref: name, kind: name, tag: best.tag, version: best.version.version, ...(hit ?? { sha: await tagCommit(repo, best.tag) }) };
  }
  for (const tag of [name, VERSION_START.test(name) ? prefix + name : undefined]) {
    if (!tag) continue;
    // hasTag only when the tag has no commit: a tag that exists but points at a tree is told as such (tagCommit).
    const hit = await tagged(repo, tag);
    if (hit || (await hasTag(repo, tag))) {
      const v = tag.startsWith(prefix) ? semver.parse(tag.slice(prefix.length)) : null;
      return { ref: name, kind: 'tag', tag, ...(v ? { version: v.version } : {}), ...(hit ?? { sha: await tagCommit(repo, tag) }) };
    }
  }
  const local = (await hasBranch(repo, name)) ? name : undefined;
  const tracking = (await hasRemoteBranch(repo, remote, name)) ? `${remote}/${name}` : undefined;
  const branch = preferRemote ? (tracking ?? local) : (local ?? tracking);
  if (branch) {
    const sha = await commitOf(repo, branch === name ? `refs/heads/${name}` : `refs/remotes/${branch}`);
    if (sha) return { ref: name, kind: 'branch', branch, sha };
  }
  const sha = await commitOf(repo, name);
  if (sha) return { ref: name, kind: 'sha', sha };
  throw new DplError(`cannot resolve ${JSON.stringify(name)} in ${repo.dir}: no such tag, branch or commit`, {
    code: 'git.ref',
    hint: `use stable, latest, a tag (${prefix}X.Y.Z), a branch or a commit SHA${preferRemote ? '' : '; add fetch to look at the remote'}`,
  });
}

async function tagCommit(repo: Repo, tag: string): Promise<string> {
  const sha = await commitOf(repo, `refs/tags/${tag}`);
  if (!sha) throw new DplError(`tag ${tag} in ${repo.dir} does not point at a commit`, { code: 'git.ref' });
  return sha;
}

/** Fetch branches and tags; tags moved on the remote are not overwritten silently. */
export async function fetchRemote(repo: Repo, remote: string): Promise<void> {
  if ((await repo.tryGit(['remote', 'get-url', remote])) === undefined) {
    throw new DplError(`cannot fetch: ${repo.dir} has no remote named ${remote}`, {
      code: 'git.remote',
      hint: `add it with \`git remote add ${remote} <url>\`, or set remote in the git config`,
    });
  }
  try {
    await repo.git(['fetch', '--prune', '--tags', remote]);
  } catch (err) {
    throw new DplError(`fetching from ${remote} failed in ${repo.dir}: ${messageOf((err as { cause?: unknown }).cause ?? err)}`, {
      code: 'git.remote',
      hint: 'check network access and credentials; a "would clobber existing tag" error means a tag differs locally and on the remote',
    });
  }
}
