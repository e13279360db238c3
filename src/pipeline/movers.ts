// The three ways a host gets a release and goes live (flow.ts Mover), each switch
// script also marking the host's journal `switched` in the same round trip, so the
// journal never says less than the host did.
import { sh } from '../core/quote.js';
import type { HostRelease } from '../deploy/config.js';
import { appendSnippet, infoOf, newRecord } from '../deploy/history.js';
import type { ReuseBase } from '../deploy/git-reuse.js';
import { layoutOf } from '../deploy/layout.js';
import { discardSnippet, prepareRelease } from '../deploy/prepare.js';
import { checkoutScript, fetchScript } from '../deploy/pull.js';
import { runScript, shortSha } from '../deploy/remote.js';
import { switchBackScript, switchScript } from '../deploy/switch.js';
import { repoUrlOf } from '../deploy/targets.js';
import type { Mover } from './flow.js';
import { clearJournalSnippet } from './journal.js';
import type { PipelineRun } from './state.js';

const switched = (run: PipelineRun, rel: HostRelease) => run.journalLines(rel.host, { state: 'switched' });

/** Release directories (strategies git and upload): prepare a directory, switch `current` atomically. */
export const releaseDirectory: Mover = {
  prepare: (run, rel, claim) => prepareRelease(run.c, rel, run.config, run.spec.source ?? {}, claim, liveRelease(run, rel)),
  discard: (run, rel, reason) => [discardSnippet(rel, reason), clearJournalSnippet(layoutOf(rel.deployPath), run.id)].join('\n'),
  switchTo: (run, rel) => [switchScript(rel.deployPath, rel.name), switched(run, rel)].join('\n'),
  switchBack: (_run, rel, previous) => switchBackScript({ deployPath: rel.deployPath, to: rel.name, fromLink: previous }),
};

/** Rollback: the release is on the hosts already; only the switch. */
export const existingRelease: Mover = {
  switchTo: releaseDirectory.switchTo,
  switchBack: releaseDirectory.switchBack,
};

/** Strategy pull: fetch everywhere first (nothing live changes), then check out in place. */
export const checkout: Mover = {
  codeAfterSwitch: true,
  prepare: async (run, rel, claim) => {
    const l = layoutOf(rel.deployPath);
    await runScript(run.c, rel.host, `fetch ${shortSha(rel.ref.sha)}`, [fetchScript(l, await repoUrl(run), rel.ref.sha), ...claim].join('\n'));
  },
  discard: (run, rel, reason) =>
    [
      appendSnippet(layoutOf(rel.deployPath), [newRecord(rel.name, 'failed', { resolved: rel.ref, strategy: 'pull', reason, action: 'deploy' })]),
      clearJournalSnippet(layoutOf(rel.deployPath), run.id),
    ].join('\n'),
  switchTo: (run, rel) => [checkoutScript(rel, run.config, rel.ref.sha), switched(run, rel)].join('\n'),
  switchBack: (run, rel, previousSha) =>
    previousSha ? checkoutScript({ ...rel, name: rel.previous ?? rel.name, ref: { ...rel.ref, sha: previousSha } }, run.config, previousSha) : sh`true`,
};

/** The host's live release and the commit its history says it holds (the host checks REVISION agrees). */
function liveRelease(run: PipelineRun, rel: HostRelease): ReuseBase | undefined {
  const state = run.states.get(rel.host.name);
  const sha = rel.previous && state ? infoOf(state, rel.previous)?.sha : undefined;
  const l = layoutOf(rel.deployPath);
  return sha ? { path: l.release(rel.previous!), index: l.releaseIndex(rel.previous!), sha } : undefined;
}

async function repoUrl(run: PipelineRun): Promise<string> {
  if (run.spec.source?.repoUrl) return run.spec.source.repoUrl;
  return repoUrlOf(run.c, run.config);
}
