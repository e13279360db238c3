// The deploy bench (bench/deploy.mjs, `npm run bench:deploy`): its usage errors, how it
// splits dpl's --json events into phases, how it checks every host after a deploy, and
// one small real run of dpl and the floor script. Speed is never asserted here: the
// bench itself reports it, as ratios in one run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BENCH = join(ROOT, 'bench/deploy.mjs');

interface Phases {
  ms: Record<string, number>;
  trips: Record<string, number>;
  connects: number;
}
const report = (await import(pathToFileURL(join(ROOT, 'bench/deploy-report.mjs')).href)) as { phasesOf(stdout: string): Phases | null };
const fleet = (await import(pathToFileURL(join(ROOT, 'bench/deploy-fleet.mjs')).href)) as {
  verify(world: { hosts: Array<{ name: string; root: string }> }, dir: string, tag: string): string[];
};

const peers = (await import(pathToFileURL(join(ROOT, 'bench/peers.js')).href)) as {
  timeProcess(cmd: string, args: string[], o?: { timeoutMs?: number }): Promise<{ wallMs: number; maxRssKb: number | null }>;
};

const bench = (...args: string[]) => spawnSync(process.execPath, [BENCH, ...args], { encoding: 'utf8', timeout: 240_000 });

describe('bench:deploy usage', () => {
  it.each([
    [['--hosts', '0'], /--hosts must be a whole number from 1 to 99, not "0"/],
    [['--rounds', 'x'], /--rounds must be a whole number/],
    [['--tools', 'dpl,nope'], /unknown tool nope; known: dpl, floor, fabric, cap, shipit/],
    [['--bogus'], /unknown option --bogus/],
    [['--hosts'], /--hosts needs a value/],
  ])('%j exits 2 with the usage and no stack', (args, message) => {
    const r = bench(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('usage: npm run bench:deploy');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("dpl's phases from its --json events", () => {
  const t0 = Date.parse('2026-01-01T00:00:00.000Z');
  const ev = (ms: number, e: Record<string, unknown>) => JSON.stringify({ time: new Date(t0 + ms).toISOString(), ...e });
  const cmd = (start: number, end: number, host: string, command: string) => [
    ev(start, { type: 'command.start', host, command }),
    ev(end, { type: 'command.end', host, command, code: 0 }),
  ];
  const stdout = [
    'not json',
    ev(0, { type: 'run.start', tasks: ['deploy:v1'] }),
    ev(90, { type: 'log', level: 'info', message: 'resolved tag v1 @ abc', data: { ref: 'v1' } }),
    ev(150, { type: 'log', host: 'a', topic: 'ssh', level: 'debug', message: 'connected to a' }),
    ev(160, { type: 'log', host: 'b', topic: 'ssh', level: 'debug', message: 'connected to b' }),
    ...cmd(100, 200, 'a', 'take deploy lock'),
    ...cmd(210, 250, 'b', 'take deploy lock'),
    ...cmd(250, 600, 'a', 'prepare 20260101T000000Z'),
    ...cmd(250, 650, 'b', 'prepare 20260101T000000Z'),
    ...cmd(650, 670, 'a', 'record the decision: switch to 20260101T000000Z'),
    ...cmd(650, 680, 'b', 'record the decision: switch to 20260101T000000Z'),
    ...cmd(680, 700, 'a', 'switch current → 20260101T000000Z'),
    ...cmd(680, 710, 'b', 'switch current → 20260101T000000Z'),
    ...cmd(710, 720, 'a', 'true'),
    ...cmd(720, 730, 'a', 'record 20260101T000000Z deployed'),
    ...cmd(710, 740, 'b', 'true'),
    ...cmd(740, 750, 'b', 'record 20260101T000000Z deployed'),
    ...cmd(750, 760, 'a', 'read releases'),
    ...cmd(760, 780, 'a', 'remove 1 old release(s)'),
    ...cmd(750, 770, 'b', 'read releases'),
    ...cmd(780, 800, 'a', 'release deploy lock'),
    ...cmd(780, 805, 'b', 'release deploy lock'),
    ev(810, { type: 'run.end', ok: true, durationMs: 810 }),
  ].join('\n');

  it('splits the run into phases that end at their last command and add up to the run', () => {
    const p = report.phasesOf(stdout)!;
    expect(p.ms).toEqual({
      resolve: 90,
      'connect+lock': 160,
      prepare: 400,
      decision: 30,
      switch: 30,
      restart: 30, // the restart hook's last command ended at 740, while b still had to record
      record: 10,
      cleanup: 30,
      unlock: 25,
      'to run.end': 5,
      run: 810,
    });
    const sum = Object.entries(p.ms).filter(([k]) => k !== 'run').reduce((s, [, v]) => s + v, 0);
    expect(sum).toBe(810);
  });

  it('counts commands per host in each phase, and the logins', () => {
    const p = report.phasesOf(stdout)!;
    expect(p.trips).toMatchObject({ 'connect+lock': 1, prepare: 1, decision: 1, switch: 1, restart: 1, record: 1, cleanup: 1.5, unlock: 1 });
    expect(p.connects).toBe(2);
  });

  it('says nothing for a run without its start and end (a failed or cut output)', () => {
    expect(report.phasesOf('')).toBeNull();
    expect(report.phasesOf(ev(0, { type: 'run.start' }))).toBeNull();
  });
});

describe('checking every host after a deploy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dpl-bench-verify-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A host tree with `releases` release directories, current on the last, holding VERSION `version`. */
  function host(name: string, o: { releases: number; version: string; link: boolean }) {
    const base = join(dir, name, 'tool');
    mkdirSync(join(base, 'shared/config'), { recursive: true });
    writeFileSync(join(base, 'shared/config/app.env'), 'X=1\n');
    for (let i = 1; i <= o.releases; i++) mkdirSync(join(base, 'releases', `r${i}`, 'config'), { recursive: true });
    const last = join(base, 'releases', `r${o.releases}`);
    writeFileSync(join(last, 'VERSION'), `${o.version}\n`);
    if (o.link) symlinkSync(join(base, 'shared/config/app.env'), join(last, 'config/app.env'));
    symlinkSync(last, join(base, 'current'));
    return { name, root: join(dir, name) };
  }

  it('passes a host on the tag with its link and 5 releases, and names each thing wrong on the others', () => {
    const world = {
      hosts: [
        host('good', { releases: 5, version: 'v1.0.3', link: true }),
        host('old', { releases: 2, version: 'v1.0.2', link: true }),
        host('nolink', { releases: 1, version: 'v1.0.3', link: false }),
        host('many', { releases: 6, version: 'v1.0.3', link: true }),
      ],
    };
    const bad = fleet.verify(world, 'tool', 'v1.0.3');
    expect(bad).toEqual([
      'old (tool): current/VERSION is "v1.0.2", not v1.0.3',
      expect.stringMatching(/^nolink \(tool\): current\/config\/app.env does not link into shared\//),
      'many (tool): 6 releases (keep 5)',
    ]);
  });
});

describe('timing a peer', () => {
  it('kills a peer that hangs, with everything it started, and says how long it had', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpl-bench-hang-'));
    const pidFile = join(dir, 'pid');
    try {
      // A grandchild that would outlive its parent: the whole process group must go.
      const hung = peers.timeProcess('sh', ['-c', `sleep 60 & echo $! > ${pidFile}; wait`], { timeoutMs: 500 });
      await expect(hung).rejects.toThrow(/did not finish in 1 s: killed/);
      const pid = Number(readFileSync(pidFile, 'utf8'));
      // Gone, or a zombie its new parent has not reaped yet: either way no longer running.
      const state = () => (existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0] : 'gone');
      await new Promise((r) => setTimeout(r, 100));
      expect(['gone', 'Z', 'X']).toContain(state());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports wall time and, with /usr/bin/time, peak RSS', async () => {
    const r = await peers.timeProcess(process.execPath, ['-e', 'Buffer.alloc(80 * 1024 * 1024, 1)'], { timeoutMs: 30_000 });
    expect(r.wallMs).toBeGreaterThan(0);
    if (r.maxRssKb !== null) expect(r.maxRssKb).toBeGreaterThan(80 * 1024);
  });
});

describe('a small real run', () => {
  it('deploys with dpl and the floor to 2 hosts, verifies them, and reports the ratio and the phases', () => {
    const r = bench('--hosts', '2', '--rounds', '1', '--tools', 'floor', '--json');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
      tools: Array<{ tool: string; ratio: number; peakRssMb: number | null; hostCpuMsPerHost: number | null }>;
      dplPhases: { ms: Record<string, number>; commandsPerHost: Record<string, number> };
    };
    // dpl always runs: the ratios divide by it.
    expect(out.tools.map((t) => t.tool)).toEqual(['dpl', 'floor']);
    expect(out.tools[0]!.ratio).toBe(1);
    expect(out.tools[1]!.ratio).toBeGreaterThan(0);
    // Each deploy's work on the hosts (logins, git, its scripts) is counted: never nothing.
    for (const t of out.tools) expect(t.hostCpuMsPerHost, t.tool).toBeGreaterThan(0);
    expect(out.dplPhases.commandsPerHost.prepare).toBe(1);
    expect(out.dplPhases.ms.prepare).toBeGreaterThan(0);
  }, 240_000);
});
