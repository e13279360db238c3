// Output when stdout is not a terminal: plain progress lines, no escape codes,
// and --json: every stdout line one complete JSON event, nothing else.
import { beforeAll, describe, expect, it } from 'vitest';
import { dplRun, jsonLines, tempProject, expectCode } from './support/cli.js';
import { TIMED_DEPLOYFILE } from './support/hosts-deployfile.js';

let dir: string;
beforeAll(() => {
  dir = tempProject(TIMED_DEPLOYFILE);
});

describe('piped output', () => {
  it('prints a plain progress line as each host finishes, and no escape codes', async () => {
    const r = await dplRun(['-H', 'a,b,c', 'broken'], { cwd: dir, env: { NO_COLOR: undefined } });
    expectCode(r, 1);
    expect(r.stdout).not.toContain('\x1b[');
    expect(r.stdout).toMatch(/^\[b\] failed: deployfile\.ts:\d+:\d+: b is broken$/m);
    expect(r.stdout).toMatch(/^-- broken: b failed \(\d\/3 hosts finished, 1 failed so far\)$/m);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(/^Failed: 1 task, 2 hosts ok, 1 failed \(b\)/);
  });

  it('prints no progress lines for a task on one host', async () => {
    const r = await dplRun(['-H', 'a', 'hello'], { cwd: dir });
    expectCode(r, 0);
    expect(r.stdout).not.toMatch(/^-- /m);
  });

  it('--json: only JSON events on stdout, from run.start to run.end', async () => {
    const r = await dplRun(['--json', '-H', 'a,b,c', 'broken', 'hello'], { cwd: dir });
    expectCode(r, 1);
    const events = jsonLines(r.stdout);
    expect(events[0]!.type).toBe('run.start');
    expect(events.at(-1)).toMatchObject({ type: 'run.end', ok: false, hostsFailed: ['b'] });
    expect(events.filter((e) => e.type === 'host.end')).toHaveLength(3);
    for (const e of events) expect(typeof e.time).toBe('string');
  });
});
