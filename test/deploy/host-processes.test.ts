// What a deploy costs the host, in programs started (issue #18). Each program a step
// script starts is a fork, an exec and a wait, one after another; with 50 hosts on one
// 2-core machine each waits for a CPU, and they add up on the deploy's critical path.
// This deploy started 50 programs on its host (57 in the bench, with its fetch), against
// about a dozen for the bench's floor. The lock, journal and history writes now use the
// shell's own printf, the state read a glob, and the archive goes straight into tar.
// strace on web-0's real sshd counts every program started on the deploy's connection
// (its sshd, login shells, git's helpers); the list is in the failure message.
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { sshdPid } from '../../src/fleet/index.js';
import { bedTemp, describeBed, waitFor } from '../support/bed.js';
import { cliProject, deployFixtures, ok } from './cli-project.js';
import type { AppRepo } from './fixtures.js';

/** strace works here (installed, and this process may trace). */
const canTrace = spawnSync('strace', ['-f', '-qq', '-o', '/dev/null', 'true']).status === 0;

/** Programs this second deploy runs on its host: 50 before, 31 after (git 2.39, OpenSSH 9.2, dash). */
const BUDGET = 32;

/**
 * The programs started on the connections to the sshd listener `pid` that touched `mark`
 * (the deploy path) while `during` runs, in order. Other test files use the same bed
 * host meanwhile: their connections are told apart by the process tree strace records.
 */
async function programsStarted(pid: number, mark: string, during: () => Promise<void>): Promise<string[]> {
  const out = path.join(bedTemp('strace-'), 'trace');
  const st = spawn('strace', ['-f', '-qq', '-s', '512', '-e', 'trace=execve,clone,clone3,fork,vfork', '-o', out, '-p', String(pid)], { stdio: 'ignore' });
  const traced = () => /TracerPid:\s+[1-9]/.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  await waitFor(traced, 5000);
  try {
    await during();
  } finally {
    st.kill('SIGINT');
    await new Promise((r) => st.once('exit', r));
  }
  const { parent, execs } = parseTrace(readFileSync(out, 'utf8'));
  // A connection is a child of the listener; everything a login ran descends from it.
  const connectionOf = (p: number): number | undefined => {
    for (let x = p; parent.has(x); x = parent.get(x)!) if (parent.get(x) === pid) return x;
    return undefined;
  };
  const ours = new Set(execs.filter((e) => e.args.includes(mark)).map((e) => connectionOf(e.pid)));
  return execs.filter((e) => ours.has(connectionOf(e.pid))).map((e) => e.program);
}

/** strace -f lines: who started whom, and each execve that succeeded (a PATH lookup that missed ends in ENOENT). */
function parseTrace(text: string): { parent: Map<number, number>; execs: Array<{ pid: number; program: string; args: string }> } {
  const parent = new Map<number, number>();
  const execs: Array<{ pid: number; program: string; args: string }> = [];
  const pending = new Map<number, { program: string; args: string }>();
  for (const line of text.split('\n')) {
    const m = /^(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const who = Number(m[1]);
    const rest = m[2]!;
    const child = /^(?:clone3?|vfork|fork)\(.*= (\d+)$/.exec(rest) ?? /^<\.\.\. (?:clone3?|vfork|fork) resumed>.*= (\d+)$/.exec(rest);
    if (child) {
      parent.set(Number(child[1]), who);
      continue;
    }
    const call = /^execve\("([^"]+)", (\[.*?\])/.exec(rest);
    if (call) {
      const e = { program: path.basename(call[1]!), args: call[2]! };
      if (/ = 0$/.test(rest)) execs.push({ pid: who, ...e });
      else if (/<unfinished \.\.\.>$/.test(rest)) pending.set(who, e);
      continue;
    }
    const resumed = /^<\.\.\. execve resumed>.*= (-?\d+)/.exec(rest);
    if (resumed) {
      const e = pending.get(who);
      pending.delete(who);
      if (e && resumed[1] === '0') execs.push({ pid: who, ...e });
    }
  }
  return { parent, execs };
}

describeBed('processes a deploy starts on a host', (bed) => {
  let repo!: AppRepo;
  const { track } = deployFixtures(bed, (r) => (repo = r));

  it.skipIf(!canTrace)(`a git deploy with a shared file and a restart hook starts at most ${BUDGET} programs on the host`, async () => {
    const hooks = `hooks: { restart: async (c) => { await c.run('true'); } }`;
    const p = track(
      cliProject(bed, 'procs', `{ repoDir: ${JSON.stringify(repo.work)}, roles: ['web'], strategy: 'git', shared: { files: ['config/app.env'] }, ${hooks} }`, '', ['web-0']),
    );
    const shared = path.join(p.paths['web-0']!, 'shared', 'config');
    mkdirSync(shared, { recursive: true });
    writeFileSync(path.join(shared, 'app.env'), 'A=1\n');
    for (const d of [p.paths['web-0']!, path.join(p.paths['web-0']!, 'shared'), shared, path.join(shared, 'app.env')]) chownSync(d, bed.uid, bed.gid);
    // The first deploy clones the mirror; the second is the steady state: a fetch of the new tag.
    ok(await p.dpl(['deploy:v1.0.0']));
    const pid = sshdPid(bed.hosts['web-0']!);
    expect(pid).not.toBeNull();
    let run: Awaited<ReturnType<typeof p.dpl>> | undefined;
    const programs = await programsStarted(pid!, p.paths['web-0']!, async () => {
      run = await p.dpl(['deploy:v1.1.0']);
    });
    ok(run!);
    expect(p.current('web-0')).toBe(p.releases('web-0').at(-1));
    // The deploy really ran there: its steps' programs are in the trace.
    expect(programs).toEqual(expect.arrayContaining(['git', 'tar', 'ln', 'mv', 'awk', 'sync']));
    expect(programs.length, `programs started on web-0:\n${programs.join(' ')}`).toBeLessThanOrEqual(BUDGET);
  });
});
