// A git release made by checkout, and from the live one (issue #18, config `reuse`):
// the files unchanged since are hard-linked and only what changed is written, where
// `git archive | tar` wrote every file again (most of a deploy's time on a busy host:
// 50 hosts exporting on one disk took 2.2 s, 0.75 s this way). The release is still
// exactly the commit's tree:
//   1. `cp -al` the live release into the new directory (links: no data is copied);
//   2. with a copy of the live release's index (kept in the mirror, `repo/dpl-index.<release>`),
//      or else an index of its commit, `git clean` removes what the commit does not hold
//      (files the app wrote there, REVISION, shared links);
//   3. `update-index --refresh` marks stale every linked file that changed on the host since:
//      by its stat (size, mtime, inode, mode; not ctime, which linking changes) against the
//      kept index, or by its content when there is none;
//   4. `read-tree --reset -u <new commit>` removes what the new commit dropped and writes
//      what it changed or added, and every stale file, as new files: git unlinks before it
//      writes, so the live release is never modified. The index it leaves is kept for the next;
//   5. before the refresh, .git directories go, files whose mode a fresh one would not have
//      are unlinked (to be written again), and directories get a fresh one's mode.
// The modes are those `git archive | tar -x` gives (tar.umask 002 over the user's umask),
// and the deploy user's own git configuration (core.symlinks, attributes) plays no part.
// A release with nothing to start from is checked out in full the same way (one process
// where archive and tar were two). Any step that fails (hard links refused, a read-only
// directory, a REVISION other than the commit history names) falls back to the full
// checkout on an empty directory. A tree with .gitattributes anywhere is exported with
// `git archive` as before: export-ignore, export-subst and filters shape its output.
import { raw, sh } from '../core/quote.js';
import type { HostRelease } from './config.js';
import type { Layout } from './layout.js';

/** The live release a new one may be made from: its directory, index and the commit it holds. */
export interface ReuseBase {
  path: string;
  index: string;
  sha: string;
}

/** Which commits' trees can be checked out instead of archived, asked of the local repository once per commit. */
export class ReuseCheck {
  private readonly plain = new Map<string, Promise<boolean>>();
  private repo: Promise<import('../git/repo.js').Repo> | undefined;

  constructor(private readonly repoDir: string) {}

  /** No .gitattributes anywhere in the commit's tree (false when the commit is not here to tell). */
  plainTree(sha: string): Promise<boolean> {
    let p = this.plain.get(sha);
    if (!p) {
      p = (async () => {
        this.repo ??= import('../git/repo.js').then(({ openRepo }) => openRepo(this.repoDir));
        const names = await (await this.repo).tryGit(['ls-tree', '-r', '-z', '--name-only', '--end-of-options', sha]);
        return names !== undefined && !names.split('\0').some((n) => n === '.gitattributes' || n.endsWith('/.gitattributes'));
      })().catch(() => false);
      this.plain.set(sha, p);
    }
    return p;
  }
}

/** A release's index and the lock a killed git may have left beside it: removed with the release. */
export function indexFiles(l: Layout, name: string): string[] {
  const index = l.releaseIndex(name);
  return [index, `${index}.lock`];
}

/**
 * Make `rel.path` by checkout: from `base` when given (steps above), else in full.
 * Under `set -e`: every command that may fail is inside an `if` chain. `missing` runs
 * when the full checkout fails (it says whether the commit is missing, then exits).
 */
export function checkoutSnippet(l: Layout, rel: HostRelease, base: ReuseBase | undefined, missing: string): string[] {
  const dir = rel.path;
  const index = l.releaseIndex(rel.name);
  // No configuration of the deploy user's own (core.symlinks, an attributes file) shapes the
  // release, and ctime is not compared: making the links changed it on every file.
  const env = `GIT_INDEX_FILE=${sh`${index}`} GIT_CONFIG_NOSYSTEM=1 HOME=/nonexistent XDG_CONFIG_HOME=/nonexistent`;
  const git = (args: string, quiet = true) => `${env} git -c core.trustctime=false ${sh`--git-dir=${l.repo} --work-tree=${dir}`} ${args}${quiet ? ' 2>/dev/null' : ''}`;
  const checkout = (quiet: boolean) => git(sh`read-tree --reset -u ${rel.ref.sha}`, quiet);
  const lines = [
    // The modes git archive | tar give: the archive's 0775/0664 (tar.umask 002) under the user's
    // umask, or as they are for root (whose tar keeps them). Octal digits by arithmetic: no subshell.
    'dpl_um=$(umask); if [ -O / ]; then u=2; else u=$(( 0$dpl_um | 2 )); fi',
    'oct() { eval "$1=$(( $2 / 64 ))$(( $2 / 8 % 8 ))$(( $2 % 8 ))"; }',
    'oct um $u; oct ff $(( 0666 & ~u )); oct fx $(( 0777 & ~u )); umask $um',
  ];
  const full = [sh`rm -f -- ${index}`, `if ! ${checkout(false)}; then umask $dpl_um; ${missing}; fi`];
  if (!base) return [...lines, ...full, 'umask $dpl_um'];
  return [
    ...lines,
    'made=0; tried=0',
    sh`if [ -f ${base.path}/REVISION ] && read -r was < ${base.path}/REVISION && [ "$was" = ${base.sha} ] && tried=1 &&`,
    sh`  cp -al -- ${base.path}/. ${dir} 2>/dev/null &&`,
    sh`  { if [ -f ${base.index} ]; then cp -p -- ${base.index} ${index}; else rm -f -- ${index}; ${raw(git(sh`read-tree ${base.sha}`))}; fi; } &&`,
    `  ${git('clean -ffdxq')} &&`,
    // What the commit cannot hold goes, and what git's stat check does not see: .git directories, and
    // files whose mode a fresh one would not have (they are unlinked here, never chmod-ed: the live
    // release shares them); directories, the new release's own, get a fresh one's mode.
    sh`  find ${dir} \\( -name .git -prune -exec rm -rf -- {} + \\) -o \\( -type d ! -perm "$fx" -exec chmod "$fx" {} + \\) -o \\( -type f \\( \\( -perm -u+x ! -perm "$fx" \\) -o \\( ! -perm -u+x ! -perm "$ff" \\) \\) -exec rm -f -- {} + \\) 2>/dev/null &&`,
    `  { ${git('update-index -q --refresh')} >/dev/null || true; } &&`,
    `  ${checkout(true)}; then made=1; fi`,
    'if [ "$made" = 0 ]; then',
    // Start again from an empty directory: directories copied read-only are opened first (only directories: files are links).
    sh`  if [ "$tried" = 1 ]; then find ${dir} -mindepth 1 -type d ! -perm -u+w -exec chmod u+w {} + 2>/dev/null || true; rm -rf -- ${dir}; mkdir -- ${dir}; fi`,
    ...full.map((line) => `  ${line}`),
    'fi',
    'umask $dpl_um',
  ];
}
