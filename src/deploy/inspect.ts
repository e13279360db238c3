// Inspecting tasks: `deploy.releases` (what is on each host, which is live, each
// release's recorded status; changes nothing) and `deploy.check` (can every host be
// reached, written and locked, with the tools a deploy needs, and is the fleet on one
// release; the only change it makes is finishing an unfinished deploy, as any dpl
// command would, and it says so).
import { posix } from 'node:path';
import type { Context } from '../core/context-types.js';
import { internal } from '../core/internal.js';
import { DplError, HostsFailedError } from '../core/errors.js';
import { sh } from '../core/quote.js';
import { checkSharedPath, strategyOf, type ReleaseConfig } from './config.js';
import { repoUrlOf, type Targets } from './targets.js';
import { releaseCommand } from './task-names.js';
import { infoOf, parseState, previousGood, stateSnippet, statusOf, type HostState } from './history.js';
import { describeHolder, lockStatusSnippet } from './lock.js';
import { errorText, forHosts, marker, runScript, section } from './remote.js';
import type { ReleaseRow } from './events.js';
import type {} from '../pipeline/events.js'; // the EventMap entries this file emits

export type { ReleaseRow } from './events.js';

export async function listReleases(c: Context, t: Targets): Promise<Record<string, ReleaseRow[]>> {
  const fan = await forHosts(c, t.hosts, t.size, async (h) => {
    const { stdout } = await runScript(c, h, 'read releases', stateSnippet(t.layouts.get(h.name)!));
    const s = parseState(stdout);
    const prev = previousGood(s);
    const rows = s.releases.map((r) => {
      const i = infoOf(s, r);
      const row: ReleaseRow = { release: r, status: statusOf(s, r) ?? 'unknown', current: r === s.current, ref: i?.tag ?? i?.ref, sha: i?.sha };
      return row;
    });
    internal(c).emit('deploy.releases', { host: h.name, current: s.current, previous: prev, rows });
    return rows;
  });
  if (fan.failed.length) throw new HostsFailedError('deploy.releases', fan.failed);
  return Object.fromEntries(fan.succeeded);
}

function checkScript(t: Targets, host: string, config: ReleaseConfig, repoUrl: string | undefined): string {
  const l = t.layouts.get(host)!;
  const lines = [
    `echo "@@DPL user $(id -un)"`,
    sh`d=${l.root}; while [ ! -d "$d" ]; do d=$(dirname -- "$d"); done`,
    `if [ -w "$d" ]; then echo "@@DPL writable $d"; else echo "@@DPL readonly $d"; fi`,
    sh`if [ -d ${l.releases} ] && [ ! -w ${l.releases} ]; then echo '@@DPL readonly-releases'; fi`,
    sh`if [ -L ${l.current} ]; then echo "@@DPL link $(readlink -- ${l.current})"; elif [ -d ${l.current} ]; then echo '@@DPL current-dir'; fi`,
    lockStatusSnippet(l),
    `command -v tar >/dev/null 2>&1 || echo '@@DPL missing-tool tar'`,
    `mv --help 2>&1 | grep -q -- '-T' || echo '@@DPL missing-tool mv-T'`,
    `df -Pk "$d" 2>/dev/null | awk 'NR==2 { print "@@DPL free-kb " $4 }'`,
  ];
  if (strategyOf(config) === 'upload') {
    // Uploads extract with GNU tar (-P hard links into the live release) and list it with GNU find -printf.
    lines.push(`tar --version 2>/dev/null | grep -q 'GNU tar' || echo '@@DPL missing-tool gnu-tar'`, `find / -maxdepth 0 -printf '' >/dev/null 2>&1 || echo '@@DPL missing-tool gnu-find'`);
  }
  if (strategyOf(config) !== 'upload') {
    lines.push(`command -v git >/dev/null 2>&1 || echo '@@DPL missing-tool git'`);
    if (repoUrl) lines.push(sh`GIT_TERMINAL_PROMPT=0 git ls-remote -q -- ${repoUrl} HEAD >/dev/null 2>&1 || echo '@@DPL repo-unreachable'`);
  }
  for (const f of config.shared?.files ?? []) {
    const p = posix.join(l.shared, checkSharedPath(f));
    lines.push(sh`[ -e ${p} ] || echo ${`@@DPL missing-file ${p}`}`);
  }
  lines.push(stateSnippet(l));
  return lines.join('\n');
}

/** `deploy.check`: one read-only round trip per host; fails listing every problem. */
export async function checkHosts(c: Context, config: ReleaseConfig, t: Targets): Promise<void> {
  const strategy = strategyOf(config);
  let urlProblem: string | undefined;
  const repoUrl = strategy === 'upload' ? undefined : await repoUrlOf(c, config).catch((e: unknown) => void (urlProblem = (e as Error).message));

  const fan = await forHosts(c, t.hosts, t.size, async (h) => {
    const { stdout } = await runScript(c, h, 'check deploy path', checkScript(t, h.name, config, repoUrl));
    const problems: string[] = [];
    const root = t.layouts.get(h.name)!.root;
    const ro = marker(stdout, 'readonly');
    if (ro !== undefined) problems.push(`${ro} is not writable by ${marker(stdout, 'user') ?? 'the login user'} (deploy path ${root})`);
    if (marker(stdout, 'readonly-releases') !== undefined) problems.push(`${root}/releases is not writable`);
    const held = marker(stdout, 'held');
    if (held !== undefined) problems.push(`deploy lock is held by ${describeHolder(section(stdout, 'info'), Number(held))}`);
    if (marker(stdout, 'current-dir') !== undefined && strategy !== 'pull') problems.push(`${root}/current is a directory, not a symlink (an in-place deploy?)`);
    for (const line of stdout.split('\n')) {
      if (line.startsWith('@@DPL missing-tool ')) problems.push(`${line.slice(19)} is missing${line.endsWith('mv-T') ? ' (GNU mv with -T is needed for the atomic switch)' : line.includes('gnu-') ? ' (strategy upload needs GNU tar and find)' : ''}`);
      if (line.startsWith('@@DPL missing-file ')) problems.push(`linked file ${line.slice(19)} is missing`);
    }
    if (marker(stdout, 'repo-unreachable') !== undefined) problems.push(`cannot reach ${repoUrl} with git from this host`);
    if (strategy !== 'upload' && !repoUrl) problems.push(urlProblem ?? 'no repository URL to fetch from (set repoUrl, or give the local repo a remote)');
    if (problems.length) return { state: parseState(stdout), problem: new DplError(problems.join('; '), { code: 'deploy.check' }) };
    const current = marker(stdout, 'link');
    const free = Number(marker(stdout, 'free-kb'));
    internal(c).emit('deploy.check', { host: h.name, root, user: marker(stdout, 'user') ?? '?', ...(current ? { current } : {}), ...(free ? { freeKiB: free } : {}) });
    return { state: parseState(stdout), problem: undefined };
  });
  const failed = [...fan.failed, ...[...fan.succeeded].flatMap(([host, r]) => (r.problem ? [{ host, error: r.problem }] : []))];
  let states: ReadonlyMap<string, HostState> = new Map([...fan.succeeded].map(([host, r]) => [host, r.state]));
  const { mixedFleet, recoverTask } = await import('../pipeline/consistency.js');
  if (!failed.length && [...states.values()].some((s) => s.journal)) {
    // An unfinished deploy is finished (or undone) here, as by any dpl command; then the fleet is checked again.
    internal(c).emit('deploy.recover', { state: 'first' });
    await recoverTask(c, config, t).catch((e: Error) => internal(c).emit('deploy.recover', { state: 'incomplete', error: errorText(e) }));
    states = await readStates(c, t);
  }
  const mixed = mixedFleet(states);
  const perHost = failed.length ? new HostsFailedError('deploy.check', failed) : undefined;
  if (!mixed.length && perHost) throw perHost;
  if (mixed.length) {
    const cmd = releaseCommand(c);
    throw new DplError(`${perHost ? `${perHost.message}\n` : ''}deploy.check: the fleet is not on one release:\n  - ${mixed.join('\n  - ')}`, {
      code: 'deploy.mixed',
      hint: `an unfinished deploy: \`${cmd('recover')}\` (\`--force\` takes over the lock of a run that died on this machine); hosts on different releases: deploy (or \`${cmd('rollback', ':<release>')}\`) to all of them`,
    });
  }
}

async function readStates(c: Context, t: Targets): Promise<ReadonlyMap<string, HostState>> {
  const fan = await forHosts(c, t.hosts, t.size, async (h) => parseState((await runScript(c, h, 'read releases', stateSnippet(t.layouts.get(h.name)!))).stdout));
  if (fan.failed.length) throw new HostsFailedError('deploy.check', fan.failed);
  return fan.succeeded;
}
