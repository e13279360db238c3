// The remote directory layout of one deploy path, and release names. Release names
// are UTC timestamps of one fixed width, so sorting by name is sorting by age:
// nothing here ever looks at mtimes (Capistrano's rollback-by-mtime bug).
import { posix } from 'node:path';

export interface Layout {
  root: string;
  releases: string;
  current: string;
  shared: string;
  /** Bare mirror of the repository (strategy git). */
  repo: string;
  history: string;
  lock: string;
  /** An unfinished deploy's journal (src/pipeline/journal.ts). */
  journal: string;
  release(name: string): string;
  /** The git index of a release made by checkout (git-reuse.ts): the next release is made from it. */
  releaseIndex(name: string): string;
}

export function layoutOf(deployPath: string): Layout {
  const j = (...p: string[]) => posix.join(deployPath, ...p);
  return {
    root: deployPath,
    releases: j('releases'),
    current: j('current'),
    shared: j('shared'),
    repo: j('repo'),
    history: j('history.jsonl'),
    lock: j('.dpl-lock'),
    journal: j('.dpl-journal.json'),
    release: (name) => j('releases', checkReleaseName(name)),
    releaseIndex: (name) => j('repo', `dpl-index.${checkReleaseName(name)}`),
  };
}

/** `20261122T153000Z` */
export const RELEASE_NAME = /^\d{8}T\d{6}Z$/;

export function isReleaseName(name: string): boolean {
  return RELEASE_NAME.test(name);
}

export function checkReleaseName(name: string): string {
  if (!isReleaseName(name)) throw new TypeError(`not a release name: ${JSON.stringify(name)} (expected e.g. 20261122T153000Z)`);
  return name;
}

export function releaseName(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}

export function releaseDate(name: string): Date {
  checkReleaseName(name);
  const iso = `${name.slice(0, 4)}-${name.slice(4, 6)}-${name.slice(6, 8)}T${name.slice(9, 11)}:${name.slice(11, 13)}:${name.slice(13, 15)}Z`;
  return new Date(iso);
}

/**
 * A name for a new release: now, or one second after the newest existing release
 * on any host (two deploys in one second, or a host clock ahead of ours), so the
 * new release always sorts last everywhere.
 */
export function nextReleaseName(now: Date, existing: Iterable<string>): string {
  let name = releaseName(now);
  let newest = '';
  for (const e of existing) if (isReleaseName(e) && e > newest) newest = e;
  if (newest && newest >= name) name = releaseName(new Date(releaseDate(newest).getTime() + 1000));
  return name;
}

/** Release name from what `readlink current` printed (`releases/X` or an absolute path). */
export function releaseFromLink(target: string): string | undefined {
  const t = target.trim();
  if (!t) return undefined;
  return posix.basename(t.replace(/\/+$/, ''));
}

/** Newest first. */
export function sortReleases(names: Iterable<string>): string[] {
  return [...new Set(names)].filter(isReleaseName).sort().reverse();
}
