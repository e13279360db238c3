// The run log's text, written in-process: every line stamped with the event's
// local time (worked out once a second), one-line and many-line events alike,
// and the same bytes in events.jsonl as the events had.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DplEvent } from '../../src/core/events.js';
import { Clock, RunLog } from '../../src/reporters/run-log.js';
import { parseRunLogConfig } from '../../src/reporters/run-log-config.js';

const tz = process.env['TZ'];
afterEach(() => {
  if (tz === undefined) delete process.env['TZ'];
  else process.env['TZ'] = tz;
});

describe('Clock', () => {
  it.each([
    ['UTC', '04:59:59.999', '05:00:00.000'],
    ['Asia/Kathmandu', '10:44:59.999', '10:45:00.000'],
    ['America/St_Johns', '01:29:59.999', '01:30:00.000'],
  ])('%s: local time to the millisecond, across a second', (zone, before, after) => {
    process.env['TZ'] = zone;
    const c = new Clock();
    expect(c.of('2026-12-06T04:59:59.999Z')).toBe(before);
    expect(c.of('2026-12-06T04:59:59.001Z')).toBe(`${before.slice(0, 8)}.001`);
    expect(c.of('2026-12-06T05:00:00.000Z')).toBe(after);
    expect(c.of('2026-12-06T04:59:59.500Z')).toBe(`${before.slice(0, 8)}.500`); // back again
  });

  it('reads a time not written by toISOString too', () => {
    process.env['TZ'] = 'UTC';
    expect(new Clock().of('2026-12-06T05:00:01Z')).toBe('05:00:01.000');
  });
});

describe('RunLog text', () => {
  it('stamps every line of one-line and many-line events; events.jsonl holds the events as they were', () => {
    process.env['TZ'] = 'UTC';
    const root = mkdtempSync(join(tmpdir(), 'dpl-runlog-render-'));
    try {
      const warnings: string[] = [];
      const log = RunLog.open({ root, config: parseRunLogConfig(undefined) as never, dryRun: false, warn: (m) => warnings.push(m) })!;
      const events: DplEvent[] = [
        { type: 'command.start', time: '2026-12-06T05:00:00.010Z', host: 'web1', command: 'uptime', kind: 'run' },
        { type: 'output', time: '2026-12-06T05:00:00.020Z', host: 'web1', stream: 'out', line: 'up 3 days' },
        { type: 'log', time: '2026-12-06T05:00:01.030Z', level: 'warn', message: 'first line\nsecond line\nthird line' },
        { type: 'output', time: '2026-12-06T05:00:01.040Z', host: 'web1', stream: 'err', line: '' },
      ];
      for (const e of events) log.handle(e);
      log.close();
      const text = readFileSync(join(log.dir, 'run.log'), 'utf8').split('\n');
      expect(text.slice(1)).toEqual([
        '05:00:00.010 [web1] run: uptime',
        '05:00:00.020 [web1] out: up 3 days',
        '05:00:01.030 warning: first line',
        '05:00:01.030 second line',
        '05:00:01.030 third line',
        '05:00:01.040 [web1] err: ',
        '',
      ]);
      const jsonl = readFileSync(join(log.dir, 'events.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as DplEvent);
      expect(jsonl).toEqual(events);
      expect(warnings).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
