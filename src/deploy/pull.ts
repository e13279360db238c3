// Strategy `pull`: the old way, kept for teams that need it. `<deployPath>/current`
// is a git checkout updated in place. The fetch is still a barrier (nothing live
// changes until every host has the commit), but the checkout and the hooks after
// it change live code: a failure there leaves hosts mixed until the automatic
// rollback (checkout of the previous SHA) runs. docs/deploy.md states the risks.
import type { Context } from '../core/context-types.js';
import { DplError, HostsFailedError, InterruptedError, type HostFailure } from '../core/errors.js';
import { sh } from '../core/quote.js';
import type { ResolvedRef } from '../git/describe.js';
import type { DeployInfo, HostRelease, ReleaseConfig } from './config.js';
import { afterSuccess, notifyFailure, repoUrlOf, type DeployResult, type Targets } from './deploy.js';
import { infoOf, refOfRelease, statusOf, type HostState } from './history.js';
import { type Layout, nextReleaseName } from './layout.js';
import { acquireLocks, newLockInfo, releaseLocks } from './lock.js';
import { finishSnippet } from './prepare.js';
import { errorText, forHosts, runScript, shortSha } from './remote.js';
import { runHostHook, runOnceSteps, runRunHook } from './hooks.js';
import { reasons, recordAll, restartAll } from './outcome.js';

function fetchScript(l: Layout, url: string, sha: string): string {
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

function checkoutScript(rel: HostRelease, config: ReleaseConfig, sha: string): string {
  return ['set -e', sh`git -C ${rel.path} checkout --quiet --force --detach ${sha}`, ...finishSnippet({ ...rel, ref: { ...rel.ref, sha } }, config)].join('\n');
}

/** The newest release recorded as deployed (what is live, as far as dpl knows). */
function lastDeployed(s: HostState): string | undefined {
  const names = [...new Set(s.history.map((r) => r.release))].sort().reverse();
  return names.find((n) => statusOf(s, n) === 'deployed');
}

export async function deployInPlace(c: Context, config: ReleaseConfig, t: Targets, resolved: ResolvedRef): Promise<DeployResult> {
  const url = await repoUrlOf(c, config);
  const lock = newLockInfo(`${c.taskName}:${resolved.ref} (${resolved.tag ?? shortSha(resolved.sha)}, in place)`);
  const states = await acquireLocks(c, t.hosts, t.layouts, lock, t.size);
  try {
    const name = nextReleaseName(new Date(), [...states.values()].flatMap((s) => s.history.map((r) => r.release)));
    const rels: HostRelease[] = t.hosts.map((host) => {
      const l = t.layouts.get(host.name)!;
      const s = states.get(host.name)!;
      const previous = lastDeployed(s);
      return { host, name, path: l.current, deployPath: l.root, previous, ref: resolved, strategy: 'pull' };
    });
    const info: DeployInfo = { release: name, ref: resolved, hosts: t.hosts, strategy: 'pull' };
    const fail = async (e: Error): Promise<never> => {
      await notifyFailure(c, config, info, e);
      throw e;
    };
    c.log(`deploying ${resolved.tag ?? resolved.ref} (${shortSha(resolved.sha)}) in place (${name}) to ${t.hosts.map((h) => h.name).join(', ')}`);
    await runRunHook(c, 'beforePrepare', config.hooks?.beforePrepare, info).catch(fail);

    const fetched = await forHosts(c, t.hosts, t.size, (h) => runScript(c, h, `fetch ${shortSha(resolved.sha)}`, fetchScript(t.layouts.get(h.name)!, url, resolved.sha)));
    if (c.session.signal.aborted || fetched.notStarted.length) return await fail(new InterruptedError('interrupted during fetch: no host was changed'));
    if (fetched.failed.length) return await fail(new HostsFailedError('fetch (no host was changed)', fetched.failed));
    await runRunHook(c, 'beforeSwitch', config.hooks?.beforeSwitch, info).catch(fail);

    const checkout = async (items: HostRelease[], which: (r: HostRelease) => string, label: string) =>
      forHosts(c, items.map((r) => r.host), t.size, (h) => {
        const rel = items.find((r) => r.host === h)!;
        return runScript(c, h, `${label} ${shortSha(which(rel))}`, checkoutScript(rel, config, which(rel)));
      });
    const revert = async (failures: HostFailure[], step: string): Promise<never> => {
      const why = reasons(rels, failures, `${step} failed on ${failures.map((f) => f.host).join(', ')}`);
      const back = config.autoRollback !== false && rels.every((r) => r.previous && infoOf(states.get(r.host.name)!, r.previous)?.sha);
      let note = 'hosts were left on the new commit';
      if (back) {
        const prevRels = rels.map((r) => ({ ...r, name: r.previous!, previous: undefined, ref: refOfRelease(states.get(r.host.name)!, r.previous!) }));
        const r = await checkout(prevRels, (x) => x.ref.sha, 'check out previous');
        const restarted = r.failed.length ? undefined : await restartAll(c, config, prevRels, t.size, false);
        note = r.failed.length
          ? `checking out the previous commit failed on ${r.failed.map((f) => f.host).join(', ')}: check them`
          : restarted?.failed.length
            ? `every host was checked out back to its previous commit, but restarting failed on ${restarted.failed.map((f) => f.host).join(', ')}`
            : 'every host was checked out back to its previous commit and restarted';
      }
      await recordAll(c, rels, 'failed', (x) => ({ action: 'deploy', reason: why.get(x.host.name) }), t.size);
      const detail = failures.map((f) => `  - ${f.host}: ${errorText(f.error).replace(`[${f.host}] `, '')}`).join('\n');
      return fail(new DplError(`in-place deploy of ${shortSha(resolved.sha)} failed (${step}); ${note}:\n${detail}`, { hint: 'in-place deploys change live code; strategy git or upload avoids this' }));
    };

    const switched = await checkout(rels, (r) => r.ref.sha, 'check out');
    if (switched.failed.length) return await revert(switched.failed, 'checkout');
    const steps: Array<[string, () => Promise<{ failed: HostFailure[] }>]> = [
      ['afterPrepare', () => runHostHook(c, 'afterPrepare', config.hooks?.afterPrepare, rels, t.size)],
      ['once', async () => runOnceSteps(c, config.once ?? [], rels).then(() => ({ failed: [] }), (e: Error) => ({ failed: [{ host: 'once', error: e }] }))],
      ['afterSwitch', () => runHostHook(c, 'afterSwitch', config.hooks?.afterSwitch, rels, t.size)],
      ['restart', () => restartAll(c, config, rels, t.size)],
    ];
    for (const [step, run] of steps) {
      const r = await run();
      if (r.failed.length) return await revert(r.failed, step);
    }
    await recordAll(c, rels, 'deployed', (r) => ({ action: 'deploy', from: r.previous }), t.size);
    await runRunHook(c, 'afterDeploy', config.hooks?.afterDeploy, info);
    await afterSuccess(c, { ...config, cleanup: false }, t, resolved);
    return { release: name, ref: resolved, hosts: t.hosts.map((h) => h.name) };
  } finally {
    await releaseLocks(c, t.hosts, t.layouts, lock.token);
  }
}
