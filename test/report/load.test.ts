// Finding a run's log (newest, by name, by a prefix only it has) and reading it loosely.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { listRuns, loadRun, parseEvents, pickRun } from '../../src/report/load.js';

const dir = mkdtempSync(join(tmpdir(), 'dpl-report-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const RUNS = ['2026-12-05T10-00-00.000Z-aaaaaa', '2026-12-05T11-00-00.000Z-bbbbbb', '2026-12-05T11-30-00.000Z-cccccc'];
for (const r of RUNS) mkdirSync(join(dir, r));
mkdirSync(join(dir, 'not-a-run'));

describe('report: picking a run', () => {
  it('lists run directories oldest first, ignoring other names', () => {
    expect(listRuns(dir)).toEqual(RUNS);
    expect(listRuns(join(dir, 'missing'))).toEqual([]);
  });

  it('the newest without a name or with "latest"; a full name; a unique prefix', () => {
    expect(pickRun(dir)).toBe(RUNS[2]);
    expect(pickRun(dir, 'latest')).toBe(RUNS[2]);
    expect(pickRun(dir, RUNS[0])).toBe(RUNS[0]);
    expect(pickRun(dir, '2026-12-05T10')).toBe(RUNS[0]);
  });

  it('an unknown or ambiguous name is a usage error listing the newest runs', () => {
    const unknown = (() => {
      try {
        pickRun(dir, 'nope');
      } catch (e) {
        return e;
      }
    })() as UsageError;
    expect(unknown).toBeInstanceOf(UsageError);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.message).toBe(`no run "nope" in ${dir}; the newest: ${[...RUNS].reverse().join(', ')}`);
    expect(unknown.hint).toBe(`dpl report ${RUNS[2]}`);
    expect(() => pickRun(dir, '2026-12-05T11')).toThrow(/2 runs start with "2026-12-05T11"/);
    expect(() => pickRun(join(dir, 'missing'))).toThrow(/no run logs in/);
  });
});

describe('report: reading events.jsonl', () => {
  it('keeps events, counts what is not one (half a line from a killed run, bad times)', () => {
    const text = [
      JSON.stringify({ type: 'run.start', time: '2026-12-05T10:00:00.000Z', tasks: [] }),
      '{"type":"log","time":"2026-12-05T10:00:01.000Z","mess',
      JSON.stringify({ type: 'log', time: 'yesterday' }),
      JSON.stringify([1, 2]),
      '',
      JSON.stringify({ type: 'run.end', time: '2026-12-05T10:00:02.000Z', ok: true }),
    ].join('\n');
    const r = parseEvents(text);
    expect(r.events.map((e) => e.type)).toEqual(['run.start', 'run.end']);
    expect(r.skipped).toBe(3);
  });

  it('a run without events.jsonl is a clear error', () => {
    expect(() => loadRun(dir, RUNS[0]!)).toThrow(/cannot read .*events\.jsonl/);
  });
});
