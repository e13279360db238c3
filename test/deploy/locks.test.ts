// The deploy lock under real faults (issue #16, faults 3, 4 and 7, and Ctrl-C while
// locking): the real `dpl` CLI on the bed hosts web-0..2, a real full tmpfs, real
// racing dpl processes (one of them far from web-0 through a delaying TCP proxy),
// a real dpl SIGKILLed mid-deploy, and a host stalled behind a paused proxy.
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeBed, pidAlive } from '../support/bed.js';
import { delayProxy, viaProxies, type DelayProxy } from '../support/delay-proxy.js';
import type { AppRepo } from './fixtures.js';
import { cliProject, deployFixtures, HOSTS, ok, until, type CliProject, type CliRun } from './cli-project.js';

const isRoot = process.getuid?.() === 0;
const jsonEvents = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>);

describeBed('deploy locks under faults (CLI, real hosts)', (bed) => {
  let repo!: AppRepo;
  const { track } = deployFixtures(bed, (r) => (repo = r));
  const project = (name: string, extra = '') =>
    track(cliProject(bed, `locks-${name}`, `{ repoDir: ${JSON.stringify(repo.work)}, roles: ['web'], cleanup: false, ${extra} }`));
  // A hook that holds the lock for a while when the run's env says so.
  const slowHook = `hooks: { afterPrepare: async (c) => { if (process.env.SLOW) await c.run('sleep ' + process.env.SLOW); } }`;

  const proxies: DelayProxy[] = [];
  const mounts: string[] = [];
  afterAll(async () => {
    for (const p of proxies) await p.close();
    for (const m of mounts) execFileSync('umount', ['-l', m], { stdio: 'ignore' });
  });

  /** Everything named like the lock in a host's deploy path (.dpl-lock, temp and released dirs). */
  const lockLeftovers = (p: CliProject, h: string) =>
    existsSync(p.paths[h]!) ? readdirSync(p.paths[h]!).filter((e) => e.startsWith('.dpl-lock')) : [];
  const lockInfo = (p: CliProject, h: string): Record<string, unknown> | undefined => {
    try {
      return JSON.parse(readFileSync(path.join(p.paths[h]!, '.dpl-lock', 'info.json'), 'utf8')) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
  const appOf = (p: CliProject, h: string) => readFileSync(path.join(p.paths[h]!, 'current', 'app.txt'), 'utf8').trim();
  /** A lock as another dpl would have left it, owned by the login user. */
  const plantLock = (p: CliProject, h: string, info: Record<string, unknown>) => {
    const lock = path.join(p.paths[h]!, '.dpl-lock');
    mkdirSync(lock, { recursive: true });
    writeFileSync(path.join(lock, 'token'), 'f00dfeedf00dfeedf00dfeed\n');
    writeFileSync(path.join(lock, 'info.json'), JSON.stringify(info) + '\n');
    for (const f of [p.paths[h]!, lock, path.join(lock, 'token'), path.join(lock, 'info.json')]) chownSync(f, bed.uid, bed.gid);
  };

  it.skipIf(!isRoot)('fault 3: a full disk at lock time leaves nothing on the host and reports the host\'s error', async () => {
    const p = project('fulldisk');
    // web-2's deploy path is a small tmpfs of its own, filled to the last block.
    const dir = p.paths['web-2']!;
    mkdirSync(dir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0755', 'tmpfs', dir]);
    mounts.push(dir);
    chownSync(dir, bed.uid, bed.gid);
    execFileSync('sh', ['-c', 'dd if=/dev/zero of="$1/filler" bs=4k 2>/dev/null; true', 'sh', dir]);
    expect(() => writeFileSync(path.join(dir, 'probe'), 'x')).toThrow(/ENOSPC/);

    const r = await p.dpl(['deploy:v1.1.0']);
    expect.soft(r.code, r.stdout + r.stderr).toBe(1);
    expect.soft(r.stderr).toMatch(/web-2: .*No space left on device/);
    expect.soft(r.stderr).not.toContain('I/O error');
    expect.soft(r.stderr).not.toContain('another deploy is running');
    for (const h of HOSTS) expect.soft(lockLeftovers(p, h), h).toEqual([]);

    // The disk is freed: the next deploy just works, no deploy.unlock needed.
    rmSync(path.join(dir, 'filler'));
    const again = await p.dpl(['deploy:v1.1.0']);
    ok(again);
    for (const h of HOSTS) {
      expect(appOf(p, h)).toBe('version 1.1.0');
      expect(lockLeftovers(p, h)).toEqual([]);
    }
  });

  it('fault 4: of two racing deploys exactly one proceeds in every race, latency asymmetry included', async () => {
    const p = project('race', slowHook);
    ok(await p.dpl(['-l']));
    // Latency asymmetry: packets to and from a host one operator is far from take
    // 100 ms each way (a delaying proxy in front of that host's sshd).
    const nearWeb0 = await delayProxy(bed.hosts['web-0']!, 100);
    const nearWeb2 = await delayProxy(bed.hosts['web-2']!, 100);
    proxies.push(nearWeb0, nearWeb2);
    const farFromWeb0 = ['-F', viaProxies(bed, p.dir, { 'web-0': nearWeb0 })];
    const farFromWeb2 = ['-F', viaProxies(bed, p.dir, { 'web-2': nearWeb2 })];
    const rounds: Array<{ name: string; a: string[]; b: string[]; lead: 'a' | 'b' }> = [
      { name: 'plain, a first', a: [], b: [], lead: 'a' },
      { name: 'plain, b first', a: [], b: [], lead: 'b' },
      { name: 'plain, a first', a: [], b: [], lead: 'a' },
      { name: 'b far from web-0, b first', a: [], b: farFromWeb0, lead: 'b' },
      { name: 'b far from web-0, a first', a: [], b: farFromWeb0, lead: 'a' },
      { name: 'a far from web-2, b far from web-0, a first', a: farFromWeb2, b: farFromWeb0, lead: 'a' },
      { name: 'a far from web-2, b far from web-0, b first', a: farFromWeb2, b: farFromWeb0, lead: 'b' },
    ];
    const seen: string[] = [];
    const problems: string[] = [];
    for (const [i, round] of rounds.entries()) {
      const start = (args: string[]) => p.spawn([...args, `deploy:${i % 2 ? 'v1.0.0' : 'v1.1.0'}`], { SLOW: '2' });
      const first = start(round.lead === 'a' ? round.a : round.b);
      await new Promise((r) => setTimeout(r, 50));
      const second = start(round.lead === 'a' ? round.b : round.a);
      const [a, b] = round.lead === 'a' ? [first, second] : [second, first];
      // When the loser exits, any lock on a host must be the winner's.
      const holders = new Map<string, unknown[]>();
      for (const [who, run] of [['a', a], ['b', b]] as const) {
        void run.done.then(() => holders.set(who, HOSTS.map((h) => lockInfo(p, h)?.pid)));
      }
      const [ra, rb]: CliRun[] = await Promise.all([a.done, b.done]);
      const line = `round ${i + 1} (${round.name}): a exit ${ra.code}, b exit ${rb.code}`;
      seen.push(line + `\n  a ${ra.ms}ms: ${ra.stderr.trim().split('\n').slice(0, 4).join(' | ')}\n  b ${rb.ms}ms: ${rb.stderr.trim().split('\n').slice(0, 4).join(' | ')}`);
      const winners = [ra, rb].filter((r) => r.code === 0).length;
      if (winners !== 1) {
        problems.push(`${line}\n  a: ${ra.stderr.trim().split('\n').slice(0, 3).join(' | ')}\n  b: ${rb.stderr.trim().split('\n').slice(0, 3).join(' | ')}`);
      } else {
        const [win, lose, loser] = ra.code === 0 ? [a, rb, 'b'] : [b, ra, 'a'];
        if (lose.code !== 1) problems.push(`${line}: the loser exited ${lose.code}`);
        if (!new RegExp(`held by \\S+@\\S+ \\(pid ${win.child.pid}\\b`).test(lose.stderr)) problems.push(`${line}: the loser does not name the winner (pid ${win.child.pid}):\n${lose.stderr}`);
        const left = holders.get(loser)!.filter((pid) => pid !== undefined && pid !== win.child.pid);
        if (left.length) problems.push(`${line}: when the loser exited, hosts held locks of pid ${left.join(', ')}`);
      }
      for (const h of HOSTS) if (lockLeftovers(p, h).length) problems.push(`${line}: ${h} still has ${lockLeftovers(p, h).join(', ')}`);
    }
    expect(nearWeb0.accepted).toBeGreaterThan(0);
    expect(nearWeb2.accepted).toBeGreaterThan(0);
    expect(problems, seen.join('\n')).toEqual([]);
  }, 90_000);

  it('fault 7: the lock of a dpl SIGKILLed on this machine is stale, with the evidence; --force takes it over', async () => {
    const p = project('stale', slowHook);
    const run = p.spawn(['deploy:v1.0.0'], { SLOW: '6' });
    await until(() => HOSTS.every((h) => lockInfo(p, h)) && run.output().includes('run: sleep 6'), 45_000);
    const pid = run.child.pid!;
    run.child.kill('SIGKILL');
    await run.done;
    expect(pidAlive(pid)).toBe(false);
    for (const h of HOSTS) expect(lockInfo(p, h)).toMatchObject({ pid, machine: hostname() });

    for (const args of [[], ['--yes']]) {
      const r = await p.dpl([...args, 'deploy:v1.1.0']);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toContain('stale');
      expect(r.stderr).toContain(`${hostname()}`);
      expect(r.stderr).toContain(`pid ${pid}`);
      expect(r.stderr).toContain('not running on this machine (checked now)');
      expect(r.stderr).toContain('--force');
      for (const h of HOSTS) expect(lockInfo(p, h)).toMatchObject({ pid });
    }

    const forced = await p.dpl(['--force', 'deploy:v1.1.0']);
    ok(forced);
    expect(forced.stdout + forced.stderr).toMatch(new RegExp(`taking over the stale deploy lock .*pid ${pid}\\b.*not running on this machine \\(checked now\\)`));
    for (const h of HOSTS) {
      expect(appOf(p, h)).toBe('version 1.1.0');
      expect(lockLeftovers(p, h)).toEqual([]);
    }
  });

  it('fault 7: a reused pid is stale; a lock held by another machine is never stale, not even with --force', async () => {
    const p = project('pid-evidence');
    const first = await p.dpl(['--json', 'deploy:v1.0.0']);
    ok(first);
    // The lock as typed events: every host locked, then each released as its record script ends.
    const firstEvents = jsonEvents(first.stdout);
    expect(firstEvents.filter((e) => e.type === 'lock.acquired')).toEqual([expect.objectContaining({ hosts: HOSTS })]);
    expect(firstEvents.filter((e) => e.type === 'lock.released').flatMap((e) => e.hosts).sort()).toEqual(HOSTS);
    expect(firstEvents.some((e) => e.type === 'lock.released' && (e.foreign || e.gone || e.failed))).toBe(false);
    // pid reuse: the pid runs, but it is another process (another start time).
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const info = { user: 'dpltest', machine: hostname(), pid: other.pid, pidStart: '1', time: '2026-01-01T00:00:00.000Z', target: 'deploy.release:v9' };
      plantLock(p, 'web-0', info);
      const r = await p.dpl(['deploy:v1.1.0']);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`stale.*pid ${other.pid} .*another process`, 's'));
      expect(lockInfo(p, 'web-0')).toMatchObject({ pid: other.pid });
      ok(await p.dpl(['--force', 'deploy:v1.1.0']));
      expect(appOf(p, 'web-0')).toBe('version 1.1.0');
    } finally {
      other.kill('SIGKILL');
    }

    // Another machine's lock: its pid says nothing here, so it is held, whatever --force says.
    const dead = spawn('sleep', ['0']);
    await new Promise((r) => dead.on('exit', r));
    plantLock(p, 'web-0', { user: 'alice', machine: 'build-7.elsewhere', pid: dead.pid, time: '2026-01-01T00:00:00.000Z', target: 'deploy.release:v9' });
    for (const args of [[], ['--force']]) {
      const r = await p.dpl([...args, 'deploy:v1.0.0']);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toContain(`held by alice@build-7.elsewhere (pid ${dead.pid}`);
      expect(r.stderr).not.toContain('stale');
      expect(r.stderr).toContain('deploy.unlock');
      expect(lockInfo(p, 'web-0')).toMatchObject({ machine: 'build-7.elsewhere' });
      for (const h of ['web-1', 'web-2']) expect(lockLeftovers(p, h)).toEqual([]);
    }
    const held = await p.dpl(['--json', 'deploy:v1.0.0']);
    expect(held.code).toBe(1);
    const holder = { user: 'alice', machine: 'build-7.elsewhere', pid: dead.pid, since: '2026-01-01T00:00:00.000Z', target: 'deploy.release:v9', ageSeconds: expect.any(Number) };
    expect(jsonEvents(held.stdout).filter((e) => e.type === 'lock.held')).toEqual([expect.objectContaining({ host: 'web-0', holder })]);
    const unlocked = await p.dpl(['--json', 'deploy.unlock']);
    ok(unlocked);
    const removed = jsonEvents(unlocked.stdout).filter((e) => e.type === 'lock.removed');
    expect(removed.find((e) => e.host === 'web-0')).toMatchObject({ holder });
    expect(removed.filter((e) => e.host !== 'web-0')).toEqual([expect.not.objectContaining({ holder: expect.anything() }), expect.not.objectContaining({ holder: expect.anything() })]);
    const again = await p.dpl(['deploy.unlock']);
    ok(again);
    expect(again.stdout).toMatch(/\[web-0\] no deploy lock/);
  });

  it('--lock-wait waits for a live holder and then deploys; gives up after the duration; bad values are usage errors', async () => {
    const p = project('wait', slowHook);
    for (const bad of ['soon', '0s', '10', '-5s']) {
      const r = await p.dpl(['--lock-wait', bad, 'deploy:v1.0.0']);
      expect(r.code, `${bad}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/--lock-wait .*duration/);
    }
    const first = p.spawn(['deploy:v1.0.0'], { SLOW: '8' });
    await until(() => HOSTS.every((h) => lockInfo(p, h)) && first.output().includes('run: sleep 8'), 45_000);

    const short = await p.dpl(['--lock-wait', '1500ms', 'deploy:v1.1.0']);
    expect(short.code, short.stdout + short.stderr).toBe(1);
    expect(short.ms).toBeGreaterThanOrEqual(1500);
    expect(short.stdout + short.stderr).toContain('waiting up to 1.5s for the deploy lock on web-0, held by');
    expect(short.stderr).toMatch(/still held by \S+@\S+ \(pid \d+/);

    // Ctrl-C while waiting: exit 130, nothing taken.
    const impatient = p.spawn(['--lock-wait', '30s', 'deploy:v1.1.0']);
    await until(() => impatient.output().includes('waiting up to 30s'), 20_000);
    impatient.child.kill('SIGINT');
    const stopped = await impatient.done;
    expect(stopped.code, stopped.stdout + stopped.stderr).toBe(130);
    expect(stopped.stderr).toContain('interrupted while waiting for the deploy lock on web-0: nothing was changed');
    for (const h of HOSTS) expect(lockInfo(p, h)).toMatchObject({ pid: first.child.pid });

    const second = await p.dpl(['--lock-wait', '30s', 'deploy:v1.1.0']);
    ok(second);
    const out = second.stdout + second.stderr;
    expect(out.match(/waiting up to 30s for the deploy lock/g)).toHaveLength(1);
    // It looked quietly while the holder kept the lock: one shown attempt before, one after.
    expect(out.match(/\[web-0\] run: take deploy lock/g)).toHaveLength(2);
    expect(out).toMatch(new RegExp(`waiting up to 30s for the deploy lock on web-0, held by \\S+@\\S+ \\(pid ${first.child.pid}\\b`));
    ok(await first.done);
    for (const h of HOSTS) {
      expect(appOf(p, h)).toBe('version 1.1.0');
      expect(p.history(h).filter((x) => x.status === 'deployed')).toHaveLength(2);
      expect(lockLeftovers(p, h)).toEqual([]);
    }
  });

  it('Ctrl-C while taking the locks: exit 130, "interrupted", every lock released, no hint to fix hosts', async () => {
    const p = project('sigint-lock');
    ok(await p.dpl(['-l']));
    // web-1 stalls: its packets are held by a paused proxy until after the Ctrl-C.
    const proxy = await delayProxy(bed.hosts['web-1']!, 0);
    proxies.push(proxy);
    const stalled = viaProxies(bed, p.dir, { 'web-1': proxy });
    proxy.pause();
    const run = p.spawn(['-F', stalled, 'deploy:v1.0.0']);
    await until(() => p.locked('web-0') && p.locked('web-2') && proxy.accepted > 0, 20_000);
    run.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 400));
    proxy.resume();
    const r = await run.done;
    expect(r.code, r.stdout + r.stderr).toBe(130);
    expect(r.stderr).toContain('interrupted');
    expect(r.stderr).not.toContain('fix the hosts');
    for (const h of HOSTS) {
      expect(lockLeftovers(p, h), h).toEqual([]);
      expect(p.releases(h)).toEqual([]);
    }
  });
});
