// `deploy.pending[:ref]`: what a deploy of the ref would ship. Hosts on the same live
// release and commit form a group; for each, the local repository says which commits
// lie between live and target, how many files change and which migrations arrive.
// Reads the hosts (one read-only round trip each); takes no lock, changes nothing.
import type { Context } from '../core/context-types.js';
import type { PendingGroup } from '../core/events.js';
import { HostsFailedError, type HostFailure } from '../core/errors.js';
import { internal } from '../core/internal.js';
import { sh } from '../core/quote.js';
import type { ResolvedRef } from '../git/describe.js';
import { repoDirOf, type ReleaseConfig } from './config.js';
import { parseState, statusOf, stateSnippet, type HostState } from './history.js';
import { errorText, forHosts, runScript, section } from './remote.js';
import type { Targets } from './targets.js';

export interface Pending {
  target: { ref: string; tag?: string; sha: string; subject: string };
  groups: PendingGroup[];
}

/** What one host runs live: its release and commit (REVISION, which the release itself holds, else the history's record). */
interface Live {
  release?: string;
  sha?: string;
  tag?: string;
  unfinished: boolean;
}

function liveOf(s: HostState, revision: string): Live {
  // Strategy pull deploys in place: no link, so the newest deployed record names the release.
  const release = s.current ?? (revision ? [...s.history].reverse().find((r) => r.status === 'deployed')?.release : undefined);
  const record = release ? s.history.find((r) => r.release === release && r.sha) : undefined;
  const sha = /^[0-9a-f]{40}$/.test(revision) ? revision : record?.sha;
  return { release, sha, tag: record?.tag, unfinished: !!s.journal || (release !== undefined && statusOf(s, release) === 'prepared') };
}

async function readLive(c: Context, t: Targets): Promise<{ live: Map<string, Live>; failed: HostFailure[] }> {
  const fan = await forHosts(c, t.hosts, t.size, async (h) => {
    const l = t.layouts.get(h.name)!;
    const script = [stateSnippet(l), `echo '@@DPL revision'`, sh`cat -- ${l.current}/REVISION 2>/dev/null || true`, `echo '@@DPL done'`].join('\n');
    const { stdout } = await runScript(c, h, 'read live release', script);
    return liveOf(parseState(stdout), (section(stdout, 'revision') ?? '').trim());
  });
  return { live: new Map(fan.succeeded), failed: fan.failed };
}

/** Read every target host and compare each group's live commit with `resolved`, locally. */
export async function pendingOf(c: Context, config: ReleaseConfig, t: Targets, resolved: ResolvedRef): Promise<{ pending: Pending; failed: HostFailure[] }> {
  const [{ live, failed }, { openRepo }, { compare, DEFAULT_MIGRATION_PATHS }] = await Promise.all([readLive(c, t), import('../git/repo.js'), import('./pending-git.js')]);
  const repo = await openRepo(repoDirOf(config, c.session.root));
  const byKey = new Map<string, { live: Live; hosts: string[] }>();
  for (const h of t.hosts) {
    const l = live.get(h.name);
    if (!l) continue;
    const key = `${l.release ?? ''}|${l.sha ?? ''}`;
    const g = byKey.get(key) ?? { live: l, hosts: [] };
    g.hosts.push(h.name);
    g.live.unfinished ||= l.unfinished;
    byKey.set(key, g);
  }
  const groups: PendingGroup[] = [];
  for (const { live: l, hosts } of byKey.values()) {
    const base = { hosts, release: l.release, tag: l.tag, sha: l.sha };
    if (l.release && !l.sha) {
      groups.push({ ...base, relation: 'unknown', added: [], addedCount: 0, removed: [], removedCount: 0, files: 0, migrations: [], migrationsRemoved: [], note: `release ${l.release} records no commit (no REVISION, no history record)` });
      continue;
    }
    const cmp = await compare(repo, l.sha, resolved.sha, config.migrations ?? DEFAULT_MIGRATION_PATHS);
    const unfinished = l.unfinished ? 'an earlier deploy did not finish here (deploy.recover)' : undefined;
    groups.push({ ...base, ...cmp, note: [cmp.note, unfinished].filter(Boolean).join('; ') || undefined });
  }
  for (const { host, error } of failed) {
    groups.push({ hosts: [host], relation: 'unreadable', added: [], addedCount: 0, removed: [], removedCount: 0, files: 0, migrations: [], migrationsRemoved: [], note: errorText(error) });
  }
  const target = { ref: resolved.ref, ...(resolved.tag ? { tag: resolved.tag } : {}), sha: resolved.sha, subject: resolved.subject };
  return { pending: { target, groups }, failed };
}

/** Tell the reporters (the pretty one draws it; --json carries the data). */
export function reportPending(c: Context, p: Pending): void {
  internal(c).emit('deploy.pending', p);
}

/** The `deploy.pending[:ref]` task, once the ref is resolved: read, report; fails (after reporting) when a host could not be read. */
export async function pendingTask(c: Context, config: ReleaseConfig, t: Targets, resolved: ResolvedRef): Promise<Pending> {
  const { pending, failed } = await pendingOf(c, config, t, resolved);
  reportPending(c, pending);
  if (failed.length) throw new HostsFailedError('deploy.pending', failed);
  return pending;
}
