// The run log every run leaves under <project>/.dpl/logs: events as JSON lines
// and a readable log, `latest` pointing at the newest, old runs pruned, secrets
// redacted, and a log that cannot be written never failing the run.
import { existsSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dplRun, jsonLines, tempProject, expectCode } from './support/cli.js';

const deployfile = (config: string) => `
import { deployfile, task } from 'dpl-deploy';
export default deployfile({
  config: ${config},
  tasks: {
    greet: task({ desc: 'say hello here', run: 'local' }, async (c) => {
      c.session.events.redact('hunter2-secret');
      await c.local('echo hello; echo the password is hunter2-secret; echo oops >&2');
      c.warn('careful');
    }),
    fail: task({ desc: 'fails', run: 'local' }, async (c) => {
      await c.local('echo about to fail; exit 3');
    }),
  },
});
`;

const runs = (dir: string) => readdirSync(join(dir, '.dpl/logs')).filter((n) => /^\d{4}-/.test(n)).sort();

describe('run log', () => {
  it('writes every event as JSON lines and a readable log, linked as latest', async () => {
    const dir = tempProject(deployfile('{}'));
    const r = await dplRun(['greet'], { cwd: dir });
    expectCode(r, 0);
    const [name] = runs(dir);
    expect(readlinkSync(join(dir, '.dpl/logs/latest'))).toBe(name);
    const events = jsonLines(readFileSync(join(dir, '.dpl/logs/latest/events.jsonl'), 'utf8'));
    expect(events[0]!.type).toBe('run.start');
    expect(events.at(-1)).toMatchObject({ type: 'run.end', ok: true });
    expect(events).toContainEqual(expect.objectContaining({ type: 'output', host: 'local', stream: 'err', line: 'oops' }));
    const text = readFileSync(join(dir, '.dpl/logs/latest/run.log'), 'utf8');
    expect(text).toMatch(/^\d\d:\d\d:\d\d\.\d{3} \[local\] out: hello$/m);
    expect(text).toMatch(/^\d\d:\d\d:\d\d\.\d{3} warning: careful$/m);
    expect(text).toMatch(/^\d\d:\d\d:\d\d\.\d{3} Done: 1 task/m);
    expect(text).not.toContain('\x1b[');
  });

  it('holds redacted secrets only', async () => {
    const dir = tempProject(deployfile('{}'));
    await dplRun(['greet'], { cwd: dir });
    for (const file of ['events.jsonl', 'run.log']) {
      const text = readFileSync(join(dir, '.dpl/logs/latest', file), 'utf8');
      expect(text).toContain('the password is ***');
      expect(text).not.toContain('hunter2-secret');
    }
  });

  it('logs failed runs too, and with --json', async () => {
    const dir = tempProject(deployfile('{}'));
    const r = await dplRun(['--json', 'fail'], { cwd: dir });
    expectCode(r, 1);
    const events = jsonLines(readFileSync(join(dir, '.dpl/logs/latest/events.jsonl'), 'utf8'));
    expect(events.at(-1)).toMatchObject({ type: 'run.end', ok: false });
    expect(jsonLines(r.stdout).map((e) => e.type)).toEqual(events.map((e) => e.type));
  });

  it('keeps only the newest runs (config.runLog.keep) and latest points at the last', async () => {
    const dir = tempProject(deployfile('{ runLog: { keep: 3 } }'));
    for (let i = 0; i < 5; i++) expectCode(await dplRun(['greet'], { cwd: dir }), 0);
    const left = runs(dir);
    expect(left).toHaveLength(3);
    expect(readlinkSync(join(dir, '.dpl/logs/latest'))).toBe(left.at(-1));
  });

  it('can be turned off with runLog: false', async () => {
    const dir = tempProject(deployfile('{ runLog: false }'));
    expectCode(await dplRun(['greet'], { cwd: dir }), 0);
    expect(existsSync(join(dir, '.dpl/logs'))).toBe(false);
  });

  it('warns once and still runs when the log cannot be written', async () => {
    const dir = tempProject(deployfile(`{ runLog: { dir: 'not-a-dir/logs' } }`));
    writeFileSync(join(dir, 'not-a-dir'), 'a file where the log directory should be');
    const r = await dplRun(['greet'], { cwd: dir });
    expectCode(r, 0);
    expect(r.stdout.match(/warning: run log disabled: cannot write under .*not-a-dir\/logs/g)).toHaveLength(1);
    expect(r.stdout).toMatch(/^Done: 1 task/m);
  });

  it('refuses a malformed runLog setting before running anything', async () => {
    const dir = tempProject(deployfile('{ runLog: { keep: 0 } }'));
    const r = await dplRun(['greet'], { cwd: dir });
    expectCode(r, 2);
    expect(r.stderr).toMatch(/config.runLog.keep must be a whole number above 0/);
    expect(r.stdout).not.toContain('hello');
  });
});
