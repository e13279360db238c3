// Making a release directory on one host, per strategy, plus the shared links,
// REVISION and the `prepared` history record, in as few round trips as possible.
// Nothing here touches `current`: that is switch.ts, after every host prepared.
import { posix } from 'node:path';
import type { Context } from '../core/context-types.js';
import { CommandError } from '../core/errors.js';
import { raw, sh } from '../core/quote.js';
import { checkSharedPath, type HostRelease, type ReleaseConfig } from './config.js';
import { layoutOf, type Layout } from './layout.js';
import { appendSnippet, newRecord } from './history.js';
import { runScript } from './remote.js';
import type { Shipment } from './shipment.js';
import { checkoutSnippet, indexFiles, type ReuseBase, type ReuseCheck } from './git-reuse.js';
import { uploadRelease } from './upload.js';

/** Exit code of a prepare script that found the release directory already there (never undo it). */
export const EXISTS_CODE = 73;

export interface PrepareSource {
  /** URL or path the hosts fetch from (git, pull). */
  repoUrl?: string;
  /** A tarball (made by you) to upload instead of building (upload): unpacked here, then shipped as a build. */
  artifact?: string;
  /** The scanned build output (upload); made by the pipeline from the build or `artifact`. */
  shipment?: Shipment;
  /** git with `reuse: true`: which commits may be checked out (from the live release) instead of archived in full. */
  reuse?: ReuseCheck;
}

function startRelease(l: Layout, name: string): string[] {
  const dir = l.release(name);
  return [
    'set -e',
    sh`[ -d ${l.releases} ] && [ -d ${l.shared} ] || mkdir -p -- ${l.releases} ${l.shared}`,
    sh`if [ -e ${dir} ]; then echo ${`release directory ${dir} already exists`} >&2; exit ${EXISTS_CODE}; fi`,
    sh`mkdir -- ${dir}`,
  ];
}

/**
 * Clone the bare mirror once, point it at `url` and fetch, only when the commit is
 * missing (a URL that changed, or lost its token, is not kept in the mirror's config
 * past the next fetch). Whether the commit came is known from the export (missingSnippet).
 */
function mirrorSnippet(l: Layout, url: string, sha: string): string[] {
  const tmp = `${l.repo}.dpl-tmp`;
  const has = sh`git --git-dir=${l.repo} cat-file -e ${sha + '^{commit}'} 2>/dev/null`;
  return [
    sh`if [ ! -d ${l.repo} ]; then rm -rf -- ${tmp}; git clone --quiet --mirror -- ${url} ${tmp}; mv -- ${tmp} ${l.repo};`,
    `elif ! ${has}; then ${sh`git --git-dir=${l.repo} remote set-url -- origin ${url}; git --git-dir=${l.repo} fetch --quiet --prune origin`}; fi`,
  ];
}

/** After a failed export: say so when the commit is missing from the origin, and fail. */
function missingSnippet(l: Layout, rel: HostRelease, url: string): string {
  const sha = rel.ref.sha;
  return sh`{ git --git-dir=${l.repo} cat-file -e ${sha + '^{commit}'} 2>/dev/null || echo ${`commit ${sha} is not in ${url}: push it there first`} >&2; exit 1; }`;
}

/**
 * `git archive | tar -x` into the release, without a tar file on disk (a tree with
 * .gitattributes: git-reuse.ts checks out the others). POSIX sh has no pipefail, so
 * git's status comes back on fd 3 and tar's is the pipeline's. When git failed, a
 * missing commit is said as such (tar's complaint about its empty input is then beside
 * the point, but harmless).
 */
function gitArchiveSnippet(l: Layout, rel: HostRelease, url: string): string[] {
  return [
    sh`untarred=0; archived=$( { { git --git-dir=${l.repo} archive --format=tar ${rel.ref.sha} 3>&-; echo "$?" >&3; } | tar -xf - -C ${rel.path} 3>&-; } 3>&1 >&2 ) || untarred=$?`,
    `if [ "$archived" != 0 ]; then ${missingSnippet(l, rel, url)}; fi`,
    `[ "$untarred" = 0 ] || exit 1`,
  ];
}

/** How a git release gets its files: checkout (from the live release when it can), or archive for a tree with .gitattributes. */
async function gitExport(l: Layout, rel: HostRelease, url: string, reuse: ReuseCheck | undefined, live: ReuseBase | undefined): Promise<string[]> {
  if (!reuse || !(await reuse.plainTree(rel.ref.sha))) return gitArchiveSnippet(l, rel, url);
  const base = live && (await reuse.plainTree(live.sha)) ? live : undefined;
  return checkoutSnippet(l, rel, base, missingSnippet(l, rel, url));
}

/** `rm` of what the code put where REVISION or a shared link goes; no process when nothing is there (the usual case). */
const removeSnippet = (target: string, flags: '-f' | '-rf' = '-rf'): string => sh`if [ -e ${target} ] || [ -L ${target} ]; then rm ${flags} -- ${target}; fi`;

/** REVISION, shared links and the `prepared` record: the common end of every strategy. */
export function finishSnippet(rel: HostRelease, config: ReleaseConfig): string[] {
  const l = layoutOf(rel.deployPath);
  // rm first: a REVISION from the build may be a hard link into the live release (upload).
  const revision = posix.join(rel.path, 'REVISION');
  const lines = [removeSnippet(revision, '-f'), sh`printf '%s\\n' ${rel.ref.sha} > ${revision}`];
  for (const raw of config.shared?.dirs ?? []) {
    const d = checkSharedPath(raw);
    const target = posix.join(rel.path, d);
    lines.push(
      sh`[ -d ${posix.join(l.shared, d)} ] && [ -d ${posix.dirname(target)} ] || mkdir -p -- ${posix.join(l.shared, d)} ${posix.dirname(target)}`,
      removeSnippet(target),
      sh`ln -s -- ${posix.join(l.shared, d)} ${target}`,
    );
  }
  for (const raw of config.shared?.files ?? []) {
    const f = checkSharedPath(raw);
    const source = posix.join(l.shared, f);
    const target = posix.join(rel.path, f);
    const missing = `linked file ${source} is missing: create it on the host (every release shares it)`;
    lines.push(
      sh`if [ ! -e ${source} ]; then echo ${missing} >&2; exit 1; fi`,
      sh`[ -d ${posix.dirname(target)} ] || mkdir -p -- ${posix.dirname(target)}`,
      removeSnippet(target),
      sh`ln -s -- ${source} ${target}`,
    );
  }
  lines.push(appendSnippet(l, [newRecord(rel.name, 'prepared', { resolved: rel.ref, strategy: rel.strategy, action: 'deploy' })]));
  return lines;
}

/**
 * Make `rel` on its host: the release directory with the code, REVISION and shared links.
 * `claim` lines run right after the directory is created (the pipeline's journal: from
 * then on, the directory is this deploy's to finish or remove). `live`: the host's live
 * release, which a git release is made from when `source.reuse` allows (git-reuse.ts).
 */
export async function prepareRelease(
  c: Context,
  rel: HostRelease,
  config: ReleaseConfig,
  source: PrepareSource,
  claim: string[] = [],
  live?: ReuseBase,
): Promise<void> {
  const l = layoutOf(rel.deployPath);
  const step = `prepare ${rel.name}`;
  if (rel.strategy === 'git') {
    const script = [
      ...startRelease(l, rel.name),
      ...claim,
      ...mirrorSnippet(l, source.repoUrl!, rel.ref.sha),
      ...(await gitExport(l, rel, source.repoUrl!, source.reuse, live)),
      ...finishSnippet(rel, config),
    ];
    await runScript(c, rel.host, step, script.join('\n'));
    return;
  }
  if (rel.strategy === 'upload') {
    if (!source.shipment) throw new TypeError('prepareRelease: strategy upload needs source.shipment');
    await uploadRelease(c, rel, source.shipment, { start: [...startRelease(l, rel.name), ...claim], finish: finishSnippet(rel, config) });
    return;
  }
  throw new TypeError(`prepareRelease: strategy ${rel.strategy} has no release directory`);
}

/** Did this failure happen before we created the release directory? Then it is not ours to remove. */
export function failedBeforeCreating(error: Error): boolean {
  return error instanceof CommandError && error.status === EXISTS_CODE;
}

/**
 * Remove a half-made or abandoned release directory and record it as failed.
 * Retried for a few seconds: after Ctrl-C an interrupted `tar` on the host may still be writing.
 */
export function discardSnippet(rel: HostRelease, reason: string): string {
  const l = layoutOf(rel.deployPath);
  const dir = rel.path;
  return [
    appendSnippet(l, [newRecord(rel.name, 'failed', { resolved: rel.ref, strategy: rel.strategy, reason, action: 'deploy' })]),
    sh`for i in 1 2 3 4 5; do ${raw(openDirs(dir))}; rm -rf -- ${dir} 2>/dev/null; [ -e ${dir} ] || break; sleep 1; done`,
    sh`if [ -e ${dir} ]; then rm -rf -- ${dir}; fi`,
    sh`rm -f -- ${indexFiles(l, rel.name)}`,
  ].join('\n');
}

/**
 * Make a release's read-only directories writable so it can be deleted. Only
 * directories: its files may be hard links shared with other releases (upload),
 * and `chmod -R` would change the live release's modes through them.
 */
export function openDirs(dir: string): string {
  return sh`find ${dir} -type d ! -perm -u+w -exec chmod u+w {} + 2>/dev/null`;
}
