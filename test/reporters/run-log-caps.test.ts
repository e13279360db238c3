// Run logs are capped: per run (config.runLog.maxRunBytes, a marker where output
// was cut and how much was left out) and in total (config.runLog.maxTotalBytes,
// old runs pruned oldest first, never the current one). The defaults keep a
// normal run whole.
import { mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deployfile as defineDeployfile } from '../../src/api.js';
import { DEFAULT_KEEP, DEFAULT_MAX_RUN_BYTES, DEFAULT_MAX_TOTAL_BYTES } from '../../src/reporters/run-log-config.js';
import { pruneRuns } from '../../src/reporters/run-log-files.js';
import { dplRun, expectCode, jsonLines, tempDir, tempProject } from './support/cli.js';

// `lines` lines of 100 bytes on stdout (99 characters and a newline), then one on stderr.
const print = (lines: number) =>
  `node -e "const l='x'.repeat(99)+'\\\\n';let n=${lines};(function w(){while(n-->0){if(!process.stdout.write(l))return process.stdout.once('drain',w)}process.stderr.write('the end\\\\n')})()"`;

const deployfile = (config: string, lines: number) => `
import { deployfile, task } from 'dpl-deploy';
export default deployfile({
  config: ${config},
  tasks: {
    noisy: task({ desc: 'prints a lot', run: 'local' }, async (c) => {
      await c.local(${JSON.stringify(print(lines))});
      await c.local('echo after the noise');
    }),
  },
});
`;

const logs = (dir: string) => join(dir, '.dpl/logs');
const runs = (dir: string) => readdirSync(logs(dir)).filter((n) => /^\d{4}-/.test(n)).sort();
const runBytes = (runDir: string) => readdirSync(runDir).reduce((sum, f) => sum + statSync(join(runDir, f)).size, 0);
const totalBytes = (dir: string) => runs(dir).reduce((sum, r) => sum + runBytes(join(logs(dir), r)), 0);
const count = (text: string, re: RegExp) => text.match(re)?.length ?? 0;

/** Old runs as an earlier dpl left them: `bytes` of run.log each (sparse: stat sees the size, the disk holds nothing). */
function seedRuns(dir: string, sizes: number[]): string[] {
  return sizes.map((bytes, i) => {
    const name = `2020-01-01T00-00-${String(i).padStart(2, '0')}.000Z-seeded`;
    mkdirSync(join(logs(dir), name), { recursive: true });
    writeFileSync(join(logs(dir), name, 'run.log'), '');
    truncateSync(join(logs(dir), name, 'run.log'), bytes);
    return name;
  });
}

describe('run log caps', () => {
  it('cuts a run at config.runLog.maxRunBytes, with a marker where output was cut and how much was left out', async () => {
    const dir = tempProject(deployfile('{ runLog: { maxRunBytes: 1_000_000 } }', 30_000)); // 3 MB of output
    const r = await dplRun(['noisy'], { cwd: dir });
    expectCode(r, 0);
    // The terminal got every line.
    expect(count(r.stdout, /^\[local\] out: x{99}$/gm)).toBe(30_000);
    expect(r.stdout).toMatch(/^warning: run log full \(1 MB, config\.runLog\.maxRunBytes\): output from here on is left out of \.dpl\/logs\/\S+; the terminal still shows it$/m);

    const latest = join(logs(dir), 'latest');
    expect(runBytes(latest)).toBeLessThanOrEqual(1_000_000);
    const text = readFileSync(join(latest, 'run.log'), 'utf8');
    const kept = count(text, /^[\d:.]+ \[local\] out: x{99}$/gm);
    expect(kept).toBeGreaterThan(2_000); // ~310 bytes a line in the two files: ~2,700 lines under 1 MB
    expect(kept).toBeLessThan(30_000);
    // The marker follows the last line kept; commands and the summary still make it in, output does not.
    const lines = text.trimEnd().split('\n');
    const marker = lines.findIndex((l) => l.includes('warning: run log full'));
    expect(lines[marker - 1]).toMatch(/out: x{99}$/);
    expect(lines.slice(marker + 1).some((l) => l.includes('x'.repeat(99)))).toBe(false);
    expect(text).toMatch(/^[\d:.]+ \[local\] local: echo after the noise$/m);
    expect(text).not.toMatch(/out: after the noise/);
    expect(text).toMatch(/^[\d:.]+ Done: 1 task/m);
    const left = 30_000 - kept;
    const n = (x: number) => x.toLocaleString('en-US');
    expect(lines.at(-1)).toMatch(/^[\d:.]+ warning: run log: left out [\d,]+ lines \([\d.]+ MB\) of output \(/);
    expect(lines.at(-1)).toContain(`left out ${n(left + 2)} lines`);
    expect(lines.at(-1)).toMatch(new RegExp(`\\[local\\] out ${n(left + 1)} lines \\([\\d.]+ MB\\)`));
    expect(lines.at(-1)).toContain('[local] err 1 line (8 B)');
    expect(lines.at(-1)).toContain('the terminal showed all of it');

    // events.jsonl: still JSON lines, the same two markers as log events, the cut counted in data.
    const events = jsonLines(readFileSync(join(latest, 'events.jsonl'), 'utf8'));
    expect(events.filter((e) => e.type === 'output')).toHaveLength(kept);
    expect(events.find((e) => e.type === 'run.end')).toMatchObject({ ok: true });
    expect(events.at(-1)).toMatchObject({
      type: 'log',
      level: 'warn',
      topic: 'runlog',
      data: {
        maxRunBytes: 1_000_000,
        leftOut: [
          { host: 'local', stream: 'out', lines: left + 1, bytes: left * 100 + 16 },
          { host: 'local', stream: 'err', lines: 1, bytes: 8 },
        ],
      },
    });
  });

  it('says so when --json got the output', async () => {
    const dir = tempProject(deployfile('{ runLog: { maxRunBytes: 200_000 } }', 5_000));
    const r = await dplRun(['--json', 'noisy'], { cwd: dir });
    expectCode(r, 0);
    expect(jsonLines(r.stdout).filter((e) => e.type === 'output')).toHaveLength(5_002);
    const text = readFileSync(join(logs(dir), 'latest/run.log'), 'utf8');
    expect(text).toMatch(/warning: run log full \(200 kB, config\.runLog\.maxRunBytes\): output from here on is left out of \.dpl\/logs\/\S+; the --json output still has it$/m);
    expect(text).toMatch(/the --json output had all of it$/m);
  });

  it('prunes old runs, oldest first, to stay under config.runLog.maxTotalBytes', async () => {
    // The finding, a tenth the size: 4 runs of 2.5 MB output each (50 MB against the 20 MB default cap).
    const dir = tempProject(deployfile('{ runLog: { maxRunBytes: 1_000_000, maxTotalBytes: 2_000_000 } }', 25_000));
    const names: string[] = [];
    for (let i = 0; i < 4; i++) {
      expectCode(await dplRun(['noisy'], { cwd: dir }), 0);
      names.push(readlinkSync(join(logs(dir), 'latest')));
      expect(runBytes(join(logs(dir), names.at(-1)!))).toBeLessThanOrEqual(1_000_000);
      expect(totalBytes(dir)).toBeLessThanOrEqual(2_000_000);
    }
    // Each run is cut at 0.8–1 MB: two fit, and they are the newest, the current one among them.
    expect(runs(dir)).toEqual(names.slice(-2));
  });

  it('keeps how the run ended when events flood the log', async () => {
    // 3 MB of c.log lines (events, not output) against a 200 kB cap, then the task fails.
    const dir = tempProject(`
import { deployfile, task } from 'dpl-deploy';
export default deployfile({
  config: { runLog: { maxRunBytes: 200_000 } },
  tasks: {
    chatty: task({ desc: 'logs a lot, then fails', run: 'local' }, async (c) => {
      for (let i = 0; i < 30_000; i++) c.log('note ' + String(i).padStart(5, '0') + ' ' + 'y'.repeat(88));
      throw new Error('boom after the notes');
    }),
  },
});
`);
    const r = await dplRun(['chatty'], { cwd: dir });
    expectCode(r, 1);
    const latest = join(logs(dir), 'latest');
    expect(runBytes(latest)).toBeLessThanOrEqual(200_000);
    const events = jsonLines(readFileSync(join(latest, 'events.jsonl'), 'utf8')); // every line whole JSON
    const notes = events.filter((e) => e.type === 'log' && e.level === 'info').length;
    expect(notes).toBeGreaterThan(100);
    expect(notes).toBeLessThan(30_000);
    expect(events.find((e) => e.topic === 'runlog' && /run log full/.test(e.message))?.message).toMatch(
      /^run log full \(200 kB, config\.runLog\.maxRunBytes\): output and events from here on, but for how tasks and the run end, are left out of /,
    );
    expect(events.find((e) => e.type === 'task.end')).toMatchObject({ task: 'chatty', ok: false });
    expect(events.find((e) => e.type === 'run.end')).toMatchObject({ ok: false, error: expect.stringContaining('boom after the notes') });
    expect(events.at(-1)).toMatchObject({ topic: 'runlog', data: { otherEvents: 30_000 - notes } });
    const text = readFileSync(join(latest, 'run.log'), 'utf8');
    expect(text).toMatch(/boom after the notes/);
    expect(text.trimEnd().split('\n').at(-1)).toMatch(new RegExp(`run log: left out ${(30_000 - notes).toLocaleString('en-US')} other events$`));
  });

  it('never prunes the current run, even when it is the oldest and alone over the total', () => {
    const dir = tempDir();
    const names = ['2025-01-01T00-00-00.000Z-aaaaaa', '2025-01-02T00-00-00.000Z-bbbbbb', '2025-01-03T00-00-00.000Z-cccccc'];
    names.forEach((name, i) => {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'run.log'), 'x'.repeat(i === 0 ? 3000 : 100));
    });
    expect(pruneRuns(dir, { keep: 50, maxTotalBytes: 1000 }, names[0]!)).toEqual(names.slice(1));
    expect(readdirSync(dir)).toEqual([names[0]]);
  });

  it('keeps a normal run whole with the defaults, and the newest 20 runs', async () => {
    const dir = tempProject(deployfile('{}', 40_000)); // 4 MB of output: far more than a deploy prints
    const old = seedRuns(dir, Array<number>(25).fill(1000));
    const r = await dplRun(['noisy'], { cwd: dir });
    expectCode(r, 0);
    expect(r.stdout).not.toContain('run log full');
    const text = readFileSync(join(logs(dir), 'latest/run.log'), 'utf8');
    expect(count(text, /^[\d:.]+ \[local\] out: x{99}$/gm)).toBe(40_000);
    expect(text).toMatch(/out: after the noise$/m);
    expect(text).not.toMatch(/run log full|left out/);
    expect(DEFAULT_KEEP).toBe(20);
    expect(runs(dir)).toEqual([...old.slice(-19), readlinkSync(join(logs(dir), 'latest'))]);
  });

  it('holds a runaway run to 20 MB and all runs to 200 MB with the defaults', async () => {
    // 25 MB of output in a project whose 12 newest old runs were cut at the cap (19 MB each, 228 MB).
    const dir = tempProject(deployfile('{}', 250_000));
    const old = seedRuns(dir, [...Array<number>(8).fill(1000), ...Array<number>(12).fill(19_000_000)]);
    const r = await dplRun(['-q', 'noisy'], { cwd: dir });
    expectCode(r, 0);
    const latest = readlinkSync(join(logs(dir), 'latest'));
    const size = runBytes(join(logs(dir), latest));
    expect(size).toBeLessThanOrEqual(DEFAULT_MAX_RUN_BYTES);
    expect(size).toBeGreaterThan(18_000_000); // output stops ~1.3 MB short of the cap, room for what follows it
    const text = readFileSync(join(logs(dir), latest, 'run.log'), 'utf8');
    expect(text).toMatch(/warning: run log full \(20 MB, config\.runLog\.maxRunBytes\): output from here on is left out of \.dpl\/logs\/\S+$/m);
    expect(text).toMatch(/^[\d:.]+ Done: 1 task/m);
    // Oldest first until under 200 MB: 9 of the 19 MB runs and this one (191 MB at most; 10 would be over).
    expect(totalBytes(dir)).toBeLessThanOrEqual(DEFAULT_MAX_TOTAL_BYTES);
    expect(runs(dir)).toEqual([...old.slice(-9), latest]);
  }, 60_000);

  it('types config.runLog in the public API', () => {
    expect(defineDeployfile({ config: { runLog: { keep: 5, maxRunBytes: 1_000_000, maxTotalBytes: 5_000_000 } }, tasks: {} }).config?.runLog).toMatchObject({ keep: 5 });
    expect(defineDeployfile({ config: { runLog: false, other: 1 }, tasks: {} }).config?.runLog).toBe(false);
    // @ts-expect-error a cap is a number of bytes, not a string
    defineDeployfile({ config: { runLog: { maxRunBytes: '20MB' } }, tasks: {} });
    // @ts-expect-error no such setting
    defineDeployfile({ config: { runLog: { maxBytes: 1 } }, tasks: {} });
  });

  it('refuses bad caps before running anything', async () => {
    const cases: Array<[string, RegExp]> = [
      ['{ maxRunBytes: 0 }', /config\.runLog\.maxRunBytes must be a whole number of bytes, at least 100000 \(100 kB\); got 0/],
      ['{ maxRunBytes: "20MB" }', /config\.runLog\.maxRunBytes must be a whole number of bytes, at least 100000 \(100 kB\); got "20MB"/],
      ['{ maxTotalBytes: 1.5 }', /config\.runLog\.maxTotalBytes must be a whole number of bytes/],
      ['{ maxTotalBytes: 10_000_000 }', /config\.runLog\.maxTotalBytes \(10 MB\) must be at least config\.runLog\.maxRunBytes \(20 MB\)/],
      ['{ maxBytes: 1_000_000 }', /config\.runLog has no setting "maxBytes" \(it has dir, keep, maxRunBytes, maxTotalBytes\)/],
    ];
    for (const [runLog, message] of cases) {
      const dir = tempProject(deployfile(`{ runLog: ${runLog} }`, 1));
      const r = await dplRun(['noisy'], { cwd: dir });
      expectCode(r, 2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).not.toContain('after the noise');
    }
  });
});
