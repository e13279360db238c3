// Strategy `pull`'s scripts (the pipeline's in-place mover, src/pipeline/movers.ts):
// `<deployPath>/current` is a git checkout updated in place. The fetch is still a
// barrier (nothing live changes until every host has the commit), but the checkout
// and the hooks after it change live code: a failure there leaves hosts mixed until
// the automatic undo (checkout of the previous SHA) runs. docs/deploy.md states the risks.
import { sh } from '../core/quote.js';
import type { HostRelease, ReleaseConfig } from './config.js';
import type { Layout } from './layout.js';
import { finishSnippet } from './prepare.js';

export function fetchScript(l: Layout, url: string, sha: string): string {
  const tmp = `${l.current}.dpl-tmp`;
  const has = sh`git -C ${l.current} cat-file -e ${sha + '^{commit}'} 2>/dev/null`;
  return [
    'set -e',
    sh`mkdir -p -- ${l.root} ${l.shared}`,
    sh`if [ -L ${l.current} ]; then echo ${`${l.current} is a symlink: this host uses release directories (strategy git or upload)`} >&2; exit 1; fi`,
    sh`if [ ! -d ${l.current + '/.git'} ]; then`,
    sh`  if [ -e ${l.current} ]; then echo ${`${l.current} exists but is not a git checkout`} >&2; exit 1; fi`,
    sh`  rm -rf -- ${tmp}; git clone --quiet --no-checkout -- ${url} ${tmp}; printf 'REVISION\\n' >> ${tmp + '/.git/info/exclude'}; mv -- ${tmp} ${l.current}`,
    sh`else git -C ${l.current} remote set-url -- origin ${url}; fi`,
    `${has} || git -C ${sh`${l.current}`} fetch --quiet --prune origin '+refs/heads/*:refs/remotes/origin/*' '+refs/tags/*:refs/tags/*'`,
    `${has} || { echo ${sh`${`commit ${sha} is not in ${url}: push it there first`}`} >&2; exit 1; }`,
  ].join('\n');
}

export function checkoutScript(rel: HostRelease, config: ReleaseConfig, sha: string): string {
  return ['set -e', sh`git -C ${rel.path} checkout --quiet --force --detach ${sha}`, ...finishSnippet({ ...rel, ref: { ...rel.ref, sha } }, config)].join('\n');
}
