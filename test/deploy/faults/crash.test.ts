// Issue #16: a dpl that dies (SIGKILL: a closed laptop) at each point of a deploy,
// on real hosts. The kill is timed from the dead run's own `--json` events and from
// host-side wrappers that hold a step (support.ts: the `mv` wrapper freezes the
// switch's rename, `fault-restart` sleeps; this file adds a `git` wrapper that holds
// a prepare). Whatever the dead run left on a host keeps running there (sshd does
// not kill a session's commands when the client goes): each test ends that orphan
// first (the held `git`/`mv` fails), so only dpl's own journal decides what follows.
// Spec (/work/spec16.md, "The journal"): the next dpl command takes over the dead
// run's lock (stale: same machine, pid gone; with --force), reads the journals and
// brings every host to one release, saying what it did:
//   no decision → remove the prepared release, record it failed;
//   decision on every host (or a host switched) → switch the rest, restart, record deployed;
//   a canary → undo (never finished unjudged).
import { existsSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describeBed } from '../../support/bed.js';
import { descendants } from '../../../src/fleet/index.js';
import { faultFixtures, until, useFleet, type CliRun, type FaultProject } from './support.js';

const HOSTS = ['web-0', 'web-1', 'web-2'];
const show = (r: CliRun) => `exit ${r.code}\n${r.out}`;
const dbg = (t: string, r: CliRun) => process.env.CRASH_DEBUG && process.stderr.write(`\n==== ${t}\n${show(r)}\n`);

interface Ev {
  type: string;
  host?: string;
  command?: string;
  code?: number | null;
  release?: string;
  message?: string;
  // rollout.batch
  batch?: number;
  state?: string;
}

function realGit(): string {
  for (const p of ['/usr/bin/git', '/usr/local/bin/git', '/bin/git']) if (existsSync(p)) return p;
  throw new Error('no git in /usr/bin, /usr/local/bin or /bin');
}

/**
 * `fault-bin/git` on every host: while `git-arm` exists, the first git call whose
 * arguments include the word in it (`archive`) takes it, writes its pid to `git-hit`
 * and waits (at most 60 s) for `git-release`: `go` runs git, `fail` exits 1. A named
 * call, not the first: a prepare's first git is `cat-file -e`, whose failure only sends
 * it to fetch, so the prepare went on and recorded `prepared` after the kill (CI, b853882).
 */
const GIT_WRAPPER = (real: string) => `#!/bin/sh
# Fault wrapper (test/deploy/faults/crash.test.ts): holds one git call while armed.
bin=$(dirname "$0")
want=$(cat "$bin/git-arm" 2>/dev/null) || want=
case " $* " in *" $want "*) ;; *) want= ;; esac
if [ -n "$want" ] && rm "$bin/git-arm" 2>/dev/null; then
  echo $$ > "$bin/git-hit"
  i=0
  while [ ! -f "$bin/git-release" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done
  r=$(cat "$bin/git-release" 2>/dev/null); rm -f "$bin/git-release"
  if [ "$r" != go ]; then echo "git: held and failed by the test" >&2; exit 1; fi
fi
exec ${real} "$@"
`;

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describeBed('a dpl killed (SIGKILL) at each point of a deploy: the next command finishes or undoes it (issue #16)', (bed) => {
  const fleet = useFleet(HOSTS);
  const { project } = faultFixtures(bed, fleet);
  let server: Server | undefined;
  let healthPort = 0;
  let p: FaultProject;
  /** Pids of held host-side commands (orphans of a killed run) a test did not end: ended in afterEach. */
  const orphans = new Set<number>();

  const bin = (h: string, f: string) => path.join(fleet.hosts[h]!.bin, f);

  beforeAll(async () => {
    const real = realGit();
    for (const h of HOSTS) {
      writeFileSync(bin(h, 'git'), GIT_WRAPPER(real));
      chmodSync(bin(h, 'git'), 0o755);
    }
    // What the canary's health checks GET (through each host's SSH connection, at 127.0.0.1).
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok\n');
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    healthPort = (server.address() as AddressInfo).port;
    // One project for the all-at-once tests; every test starts with the fleet on one deployed release.
    p = project('crash');
    const first = await p.dpl(['deploy:v1.0.0']);
    expect(first.code, show(first)).toBe(0);
  }, 60_000);

  afterAll(async () => {
    for (const h of HOSTS) if (fleet.hosts[h]) rmSync(bin(h, 'git-arm'), { force: true });
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  });

  afterEach(async () => {
    for (const h of HOSTS) {
      rmSync(bin(h, 'git-arm'), { force: true });
      rmSync(bin(h, 'git-hit'), { force: true });
      fleet.disarm(h);
    }
    for (const pid of orphans) endOrphan(pid);
    orphans.clear();
    for (const h of HOSTS) {
      p.control(h, '.fault-restart-sleep', null);
      rmSync(bin(h, 'git-release'), { force: true });
    }
    // A test that failed may leave the dead run's journal: bring the shared project back to one release.
    if (HOSTS.some((h) => p.journal(h) || p.locked(h))) await p.dpl(['--force', 'deploy.recover']);
  });

  function endOrphan(pid: number): void {
    try {
      process.kill(pid, 'SIGCONT');
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }

  /** A held `git` (the pid it wrote) ends: `fail` makes it exit 1, and with it the dead run's prepare script. */
  async function failHeldGit(h: string): Promise<void> {
    const pid = Number(readFileSync(bin(h, 'git-hit'), 'utf8').trim());
    orphans.add(pid);
    writeFileSync(bin(h, 'git-release'), 'fail\n', { mode: 0o644 });
    await until(`${h}: the held git (pid ${pid}) exiting`, () => !running(pid), 10_000);
    orphans.delete(pid);
  }

  /** The processes stopped (state T) under a host's sshd: a frozen `mv` wrapper and its shell. */
  function stoppedUnder(h: string): number[] {
    const pid = Number(readFileSync(fleet.hosts[h]!.scratch.pidFile, 'utf8').trim());
    return descendants(pid).filter((x) => {
      try {
        const stat = readFileSync(`/proc/${x}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2)[0] === 'T';
      } catch {
        return false;
      }
    });
  }

  /** The frozen `mv` (before its rename) continues and fails: the dead run's switch script on that host ends without switching. */
  async function failFrozenMv(pids: number[]): Promise<void> {
    for (const x of pids) orphans.add(x);
    for (const x of pids) {
      try {
        process.kill(x, 'SIGCONT');
      } catch {
        /* gone */
      }
    }
    await until(`the frozen mv (${pids.join(', ')}) exiting`, () => pids.every((x) => !running(x)), 10_000);
    for (const x of pids) orphans.delete(x);
  }

  /**
   * Start `dpl --json <args>` and SIGKILL it the moment `when(events)` holds. Returns
   * the dead run (it must not have ended by itself), its events, pid and release name.
   */
  async function killWhen(q: FaultProject, args: string[], what: string, when: (ev: Ev[], rel: string) => boolean, timeoutMs = 30_000) {
    const run = q.spawn(['--json', ...args]);
    const events: Ev[] = [];
    let buf = '';
    run.child.stdout!.on('data', (b: Buffer) => {
      buf += b.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          events.push(JSON.parse(line) as Ev);
        } catch {
          /* not an event */
        }
      }
    });
    let exited = false;
    void run.done.then(() => (exited = true));
    const rel = () => events.find((e) => e.type === 'deploy.resolved')?.release ?? '';
    try {
      await until(what, () => exited || (!!rel() && when(events, rel())), timeoutMs);
    } finally {
      run.child.kill('SIGKILL');
    }
    const r = await run.done;
    expect(exited && r.code !== null, `dpl ended by itself before the kill point (${what}):\n${show(r)}`).toBe(false);
    expect(rel(), 'the release name (deploy.resolved)').toMatch(/^\d{8}T\d{6}Z/);
    return { r, events: [...events], rel: rel(), pid: run.child.pid! };
  }

  const ended = (ev: Ev[], command: string, host: string) => ev.some((e) => e.type === 'command.end' && e.command === command && e.host === host && e.code === 0);
  const started = (ev: Ev[], command: string) => ev.some((e) => e.type === 'command.start' && e.command === command);
  const journalOf = (q: FaultProject, h: string) => JSON.parse(readFileSync(path.join(q.paths[h]!, '.dpl-journal.json'), 'utf8')) as { decision?: string; state: string; release: string };
  const count = (q: FaultProject, h: string, line: string) => q.restarts(h).filter((l) => l === line).length;

  /** The fleet before a test: one release, deployed, nothing left over. */
  function oneRelease(q: FaultProject): string {
    const a = q.current('web-0')!;
    for (const h of HOSTS) {
      expect(q.current(h), `${h} before the test`).toBe(a);
      expect(q.journal(h) || q.locked(h), `${h}: journal or lock before the test`).toBe(false);
    }
    return a;
  }

  /** After recovery: every host on `live`, `rel`'s last record `status`, no journal, no lock. */
  function expectSettled(q: FaultProject, live: string, rel: string, status: string, what: string): void {
    for (const h of HOSTS) {
      expect(q.current(h), `${h}: current after ${what}`).toBe(live);
      expect(q.lastRecord(h, rel)?.status, `${h}: last record of ${rel} after ${what}\n${JSON.stringify(q.history(h))}`).toBe(status);
      expect(q.journal(h), `${h}: journal left after ${what}`).toBe(false);
      expect(q.locked(h), `${h}: lock left after ${what}`).toBe(false);
    }
  }

  /** What the dead run left: its lock and journal on every host. */
  function expectLeftBehind(q: FaultProject): void {
    for (const h of HOSTS) {
      expect(q.locked(h), `${h}: the dead run's lock`).toBe(true);
      expect(q.journal(h), `${h}: the dead run's journal`).toBe(true);
    }
  }

  it('1. killed during prepare (no decision): `--force deploy.recover` removes the prepared release everywhere, records it failed', async () => {
    const a = oneRelease(p);
    writeFileSync(bin('web-2', 'git-arm'), 'archive\n', { mode: 0o666 });
    // web-0 and web-1 prepared; web-2's prepare made its directory (journal claimed) and is held at its `git archive`.
    const { r, events, rel } = await killWhen(p, ['deploy:v1.1.0'], 'web-0 and web-1 prepared, web-2 held in its prepare', (ev, R) =>
      ended(ev, `prepare ${R}`, 'web-0') && ended(ev, `prepare ${R}`, 'web-1') && existsSync(bin('web-2', 'git-hit')),
    );
    expect(started(events, `record the decision: switch to ${rel}`), `the decision must not have started\n${show(r)}`).toBe(false);
    await failHeldGit('web-2');
    expectLeftBehind(p);
    for (const h of HOSTS) {
      expect(p.releases(h), `${h}: ${rel} prepared (web-2: half made)`).toContain(rel);
      expect(journalOf(p, h).decision, `${h}: no decision`).toBeUndefined();
      expect(p.current(h), h).toBe(a);
    }
    // web-0 and web-1 finished their prepare; web-2's was cut short by its held git: a half-made release.
    for (const h of ['web-0', 'web-1']) expect(p.lastRecord(h, rel)?.status, `${h}: ${rel} prepared`).toBe('prepared');
    expect(p.lastRecord('web-2', rel), `web-2: ${rel} half made, never recorded`).toBeUndefined();

    // Without --force the stale lock is refused, and nothing changes.
    const refused = await p.dpl(['deploy.recover']);
    dbg("refused ['deploy.recover']", refused);
    expect(refused.code, show(refused)).not.toBe(0);
    expect(refused.out, show(refused)).toMatch(/stale/i);
    for (const h of HOSTS) expect(p.releases(h), `${h}: changed by a refused recover`).toContain(rel);
    expectLeftBehind(p);

    const rec = await p.dpl(['--force', 'deploy.recover']);

    dbg("rec ['--force', 'deploy.recover']", rec);
    expect(rec.code, show(rec)).toBe(0);
    expect(rec.out, show(rec)).toMatch(/unfinished/i);
    expect(rec.out, show(rec)).toMatch(/removed/i);
    expect(rec.out).toContain(rel);
    expectSettled(p, a, rel, 'failed', 'deploy.recover');
    for (const h of HOSTS) expect(p.releases(h), `${h}: ${rel} removed`).not.toContain(rel);
    const check = await p.dpl(['deploy.check']);
    dbg("check ['deploy.check']", check);
    expect(check.code, show(check)).toBe(0);
  });

  it('2. killed after the decision is on every host, before any switch: recovery finishes the deploy everywhere', async () => {
    const a = oneRelease(p);
    fleet.arm('web-0', 'before');
    // One host at a time: web-0 switches first; its rename is held (frozen) before it happens.
    let frozen: number[] = [];
    const { r, events, rel } = await killWhen(p, ['-z', '1', 'deploy:v1.1.0'], "web-0's switch held (frozen) before its rename", () => fleet.hit('web-0') !== undefined && (frozen = stoppedUnder('web-0')).length > 0);
    for (const h of HOSTS) expect(ended(events, `record the decision: switch to ${rel}`, h), `${h}: decision recorded\n${show(r)}`).toBe(true);
    expect(events.some((e) => e.type === 'command.end' && e.command === `switch current → ${rel}`), 'no switch finished').toBe(false);
    await failFrozenMv(frozen);
    expectLeftBehind(p);
    for (const h of HOSTS) {
      expect(p.current(h), `${h}: not switched before recovery`).toBe(a);
      expect(journalOf(p, h).decision, `${h}: the decision in its journal`).toBe('commit');
    }

    const rec = await p.dpl(['--force', 'deploy.recover']);

    dbg("rec ['--force', 'deploy.recover']", rec);
    expect(rec.code, show(rec)).toBe(0);
    expect(rec.out, show(rec)).toMatch(/unfinished/i);
    expect(rec.out, show(rec)).toMatch(/finished/i);
    expect(rec.out).toContain(rel);
    expectSettled(p, rel, rel, 'deployed', 'deploy.recover');
    for (const h of HOSTS) expect(p.restarts(h), `${h} restarted on ${rel}`).toContain(`${rel} done`);
  });

  /** Kill a `-z 1` deploy while web-1 restarts (web-0 restarted, web-2 switched, not restarted); web-1's orphan restart is let finish. */
  async function killDuringRestart(q: FaultProject, ref: string) {
    const a = oneRelease(q);
    q.control('web-1', '.fault-restart-sleep', '2');
    const k = await killWhen(q, ['-z', '1', `deploy:${ref}`], 'web-1 restarting the new release', (_ev, R) => q.restarts('web-1').includes(`${R} begin`));
    const rel = k.rel;
    q.control('web-1', '.fault-restart-sleep', null);
    // The dead run's restart on web-1 goes on by itself (sshd does not kill it); let it end.
    await until(`web-1's orphaned restart of ${rel} ending`, () => q.restarts('web-1').includes(`${rel} done`), 10_000);
    for (const h of HOSTS) expect(q.current(h), `${h}: switched before the kill`).toBe(rel);
    // A host is recorded deployed (its journal removed, its lock released: src/pipeline/host-end.ts)
    // as soon as it restarted; the others keep their journal and the dead run's lock.
    expect(q.locked('web-0'), 'web-0: finished, so its lock was released with its record').toBe(false);
    for (const h of ['web-1', 'web-2']) expect(q.locked(h), `${h}: the dead run's lock`).toBe(true);
    expect(q.restarts('web-0'), 'web-0 restarted before the kill').toContain(`${rel} done`);
    expect(q.lastRecord('web-0', rel)?.status, 'web-0 recorded deployed when it restarted').toBe('deployed');
    expect(q.journal('web-0'), 'web-0: journal removed with its record').toBe(false);
    for (const h of ['web-1', 'web-2']) {
      expect(q.journal(h), `${h}: the dead run's journal`).toBe(true);
      expect(q.lastRecord(h, rel)?.status, `${h}: not recorded deployed before recovery`).toBe('prepared');
    }
    expect(q.restarts('web-2'), 'web-2 never restarted by the dead run').not.toContain(`${rel} begin`);
    return { ...k, a, rel };
  }

  it('3. killed during restart (some hosts restarted, some not): `--force deploy.recover` restarts the rest and records deployed', async () => {
    const { rel } = await killDuringRestart(p, 'v1.1.0');
    const rec = await p.dpl(['--force', 'deploy.recover']);
    dbg("rec ['--force', 'deploy.recover']", rec);
    expect(rec.code, show(rec)).toBe(0);
    expect(rec.out, show(rec)).toMatch(/unfinished/i);
    expect(rec.out).toContain(rel);
    expectSettled(p, rel, rel, 'deployed', 'deploy.recover');
    expect(p.restarts('web-2'), 'web-2 restarted by recovery').toContain(`${rel} done`);
    // web-1's restart was in flight when dpl died: its outcome was unknown, so recovery restarts it again.
    expect(count(p, 'web-1', `${rel} begin`), `web-1 restarts of ${rel}\n${p.restarts('web-1').join('\n')}`).toBe(2);
    // web-0 had restarted and recorded it: recovery leaves it alone.
    expect(count(p, 'web-0', `${rel} begin`), `web-0 restarts of ${rel}\n${p.restarts('web-0').join('\n')}`).toBe(1);
    const check = await p.dpl(['deploy.check']);
    dbg("check ['deploy.check']", check);
    expect(check.code, show(check)).toBe(0);
  });

  it('then (kill during restart) the next `dpl --force deploy:<ref>` first finishes R, says so, then deploys its own ref', async () => {
    const { a, rel } = await killDuringRestart(p, 'v1.1.0');
    const next = await p.dpl(['--force', '-z', '1', 'deploy:v2.0.0-rc.1']);
    dbg("next ['--force', '-z', '1', 'deploy:v2.0.0-rc.1']", next);
    expect(next.code, show(next)).toBe(0);
    expect(next.out, show(next)).toMatch(/recovering an unfinished deploy/i);
    expect(next.out).toContain(rel);
    const live = p.current('web-0')!;
    expect([a, rel], 'a new release is live').not.toContain(live);
    expectSettled(p, live, live, 'deployed', 'the next deploy');
    for (const h of HOSTS) {
      const hist = p.history(h);
      const finished = hist.findIndex((x) => x.release === rel && x.status === 'deployed');
      expect(finished, `${h}: ${rel} finished (recorded deployed)\n${JSON.stringify(hist)}`).toBeGreaterThanOrEqual(0);
      // ... before the new release was even prepared.
      expect(finished, `${h}: ${rel} recorded deployed before ${live} was prepared`).toBeLessThan(hist.findIndex((x) => x.release === live));
      expect(p.restarts(h), `${h}: ${rel} restarted by the recovery`).toContain(`${rel} done`);
    }
  });

  it('5. `deploy.check` right after a kill mid-switch (no --force): exits non-zero, says mixed/unfinished, names the stale lock, changes nothing', async () => {
    const a = oneRelease(p);
    fleet.arm('web-1', 'before');
    // -z 1: web-0 switched, web-1's rename held; web-2 not reached.
    let frozen: number[] = [];
    const { rel, pid, events } = await killWhen(p, ['-z', '1', 'deploy:v1.1.0'], "web-0 switched, web-1's switch held (frozen)", (ev, R) =>
      ended(ev, `switch current → ${R}`, 'web-0') && fleet.hit('web-1') !== undefined && (frozen = stoppedUnder('web-1')).length > 0,
    );
    await failFrozenMv(frozen);
    expect(events.some((e) => e.type === 'command.start' && e.command === `switch current → ${rel}` && e.host === 'web-2'), 'web-2 not reached').toBe(false);
    expectLeftBehind(p);
    expect(p.current('web-0')).toBe(rel);
    expect(p.current('web-1')).toBe(a);
    expect(p.current('web-2')).toBe(a);

    const snapshot = () =>
      HOSTS.map((h) => {
        const f = (x: string) => (existsSync(path.join(p.paths[h]!, x)) ? readFileSync(path.join(p.paths[h]!, x), 'utf8') : null);
        return { h, current: p.current(h), releases: p.releases(h), history: f('history.jsonl'), journal: f('.dpl-journal.json'), lock: f('.dpl-lock/info.json'), restarts: p.restarts(h) };
      });
    const before = snapshot();
    expect(before.every((s) => s.lock), 'the lock info file is where deploy.check reads it').toBe(true);
    const check = await p.dpl(['deploy.check']);
    dbg("check ['deploy.check']", check);
    expect(check.code, show(check)).not.toBe(0);
    expect(check.out, show(check)).toMatch(/mixed/i);
    expect(check.out, show(check)).toMatch(/unfinished/i);
    for (const h of HOSTS) expect(check.out, `${h} named`).toContain(h);
    expect(check.out, show(check)).toMatch(/stale/i);
    expect(check.out, `the evidence: pid ${pid} is gone\n${show(check)}`).toMatch(new RegExp(`pid ${pid}\\b[^\\n]*not running`));
    expect(snapshot(), 'deploy.check changed the hosts').toEqual(before);

    const rec = await p.dpl(['--force', 'deploy.recover']);

    dbg("rec ['--force', 'deploy.recover']", rec);
    expect(rec.code, show(rec)).toBe(0);
    expectSettled(p, rel, rel, 'deployed', 'deploy.recover');
  });

  it('4. a canary killed after batch 1 switched (batch 2 preparing): recovery undoes batch 1, every host back, R recorded failed', async () => {
    const q = project(
      'crash-canary',
      `rollout: { plan: [1, '100%'], confirm: false, health: { port: ${healthPort}, address: '127.0.0.1', passes: 1, intervalMs: 50, timeoutMs: 1000, giveUpMs: 3000 } },`,
    );
    const first = await q.dpl(['deploy:v1.0.0']);
    expect(first.code, show(first)).toBe(0);
    expect(first.out, show(first)).toMatch(/batch 2\/2/);
    const a = oneRelease(q);
    writeFileSync(bin('web-1', 'git-arm'), 'archive\n', { mode: 0o666 });
    // Batch 1 (web-0) switched, restarted and health-checked; batch 2's prepare holds on web-1.
    const { r, events, rel } = await killWhen(q, ['deploy:v1.1.0'], 'batch 1 live, batch 2 preparing', (ev, R) =>
      ended(ev, `switch current → ${R}`, 'web-0') && existsSync(bin('web-1', 'git-hit')),
    );
    try {
      expect(events.some((e) => e.type === 'command.start' && e.command === `switch current → ${rel}` && e.host !== 'web-0'), `only batch 1 switched\n${show(r)}`).toBe(false);
      expect(events.some((e) => e.type === 'rollout.batch' && e.batch === 1 && e.state === 'live' && e.release === rel), `batch 1 passed its health checks\n${show(r)}`).toBe(true);
      await failHeldGit('web-1');
      expectLeftBehind(q);
      expect(q.current('web-0'), 'batch 1 on R before recovery').toBe(rel);
      expect(q.restarts('web-0'), 'batch 1 restarted on R').toContain(`${rel} done`);
      for (const h of ['web-1', 'web-2']) expect(q.current(h), h).toBe(a);

      const rec = await q.dpl(['--force', 'deploy.recover']);

      dbg("rec ['--force', 'deploy.recover']", rec);
      expect(rec.code, show(rec)).toBe(0);
      expect(rec.out, show(rec)).toMatch(/unfinished/i);
      expect(rec.out, show(rec)).toMatch(/undone/i);
      expect(rec.out).toContain(rel);
      expectSettled(q, a, rel, 'failed', 'deploy.recover');
      expect(q.restarts('web-0').at(-1), 'web-0 restarted on the old release').toBe(`${a} done`);
      for (const h of ['web-1', 'web-2']) expect(q.releases(h), `${h}: the prepared ${rel} removed`).not.toContain(rel);
    } finally {
      if (HOSTS.some((h) => q.journal(h) || q.locked(h))) await q.dpl(['--force', 'deploy.recover']);
    }
  });
});
