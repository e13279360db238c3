// Human output on a real pseudo-terminal (tmux): colour per host only on a TTY
// and never with NO_COLOR, the live progress line, CI falling back to plain
// lines, and the host states printed on Ctrl-C.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonLines, tempProject } from './support/cli.js';
import { TIMED_DEPLOYFILE } from './support/hosts-deployfile.js';
import { dplInTerminal, type Pane } from './support/tmux.js';
import { schemaError } from '../schema/validate.js';

let dir: string;
let pane: Pane | undefined;
/** The last run's events, from its run log. */
const runEvents = () => jsonLines(readFileSync(join(dir, '.dpl/logs/latest/events.jsonl'), 'utf8'));

beforeAll(() => {
  dir = tempProject(TIMED_DEPLOYFILE);
});
afterEach(() => {
  pane?.kill();
  pane = undefined;
});

describe('pretty output on a terminal', () => {
  it('colours each host tag differently on a TTY', async () => {
    pane = dplInTerminal(['-H', 'a,b,c', 'hello'], { cwd: dir });
    expect(await pane.exitCode()).toBe(0);
    const screen = pane.screen(true);
    const tagColour = (host: string) => new RegExp(`\\x1b\\[(3\\d)m(?:\\x1b\\[49m)?\\[${host}\\]`).exec(screen)?.[1];
    expect(tagColour('a')).toBeDefined();
    expect(tagColour('b')).toBeDefined();
    expect(new Set([tagColour('a'), tagColour('b'), tagColour('c')]).size).toBe(3);
    expect(pane.screen()).toMatch(/\[a\] hello from a/);
    expect(pane.screen()).toMatch(/^Done: 1 task, 3 hosts ok/m);
  });

  it('prints no colour at all with NO_COLOR', async () => {
    pane = dplInTerminal(['-H', 'a,b,c', 'hello'], { cwd: dir, env: { NO_COLOR: '1' } });
    expect(await pane.exitCode()).toBe(0);
    const screen = pane.screen(true);
    expect(screen).toMatch(/\[b\] hello from b/);
    expect(screen).not.toMatch(/\x1b\[(3\d|9\d|1|2)m/);
  });

  it('keeps a progress line under the output while hosts work, then clears it', async () => {
    pane = dplInTerminal(['-H', 'a,b,c', 'slow'], { cwd: dir });
    const during = await pane.waitFor(/slow · 1\/3 hosts done · 2 running · \d+s/);
    // The status line is the last line, below the output of the host that finished.
    const lines = during.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^\S slow · 1\/3 hosts done/);
    expect(during).toMatch(/\[a\] finished/);
    await pane.waitFor(/2\/3 hosts done · 1 running/);
    expect(await pane.exitCode()).toBe(0);
    const after = pane.screen();
    expect(after).toMatch(/^Done: 1 task, 3 hosts ok/m);
    expect(after).not.toMatch(/hosts done/);
  });

  it('counts failures so far in the progress line', async () => {
    pane = dplInTerminal(['-H', 'a,b,c', 'flaky'], { cwd: dir, env: { NO_COLOR: '1' } });
    const screen = await pane.waitFor(/flaky · 2\/3 hosts done · 1 running · 1 failed/);
    expect(screen).toMatch(/\[b\] failed: deployfile\.ts:\d+:\d+: b is broken/);
    expect(await pane.exitCode()).toBe(1);
  });

  it('falls back to plain progress lines in CI, without escape codes for the status line', async () => {
    pane = dplInTerminal(['-H', 'a,b,c', 'slow'], { cwd: dir, env: { CI: 'true' } });
    expect(await pane.exitCode()).toBe(0);
    const screen = pane.screen();
    expect(screen).toMatch(/-- slow: a done \(1\/3 hosts finished\)/);
    expect(screen).toMatch(/-- slow: c done \(3\/3 hosts finished\)/);
    expect(screen).not.toMatch(/hosts done ·/);
  });

  it('on Ctrl-C prints what state each host is in, then exits 130', async () => {
    pane = dplInTerminal(['-H', 'a,b,c', 'wait'], { cwd: dir, env: { NO_COLOR: '1' } });
    await pane.waitFor(/== wait on a, b, c \(serial\)/);
    await new Promise((r) => setTimeout(r, 400));
    pane.keys('C-c');
    const screen = await pane.waitFor(/Interrupted: /);
    expect(screen).toMatch(/warning: interrupted/);
    expect(screen).toMatch(/host states when interrupted during wait:\n\s+a\s+done\n\s+b\s+running\n\s+c\s+not started/);
    expect(await pane.exitCode()).toBe(130);    // The run log keeps the interrupt as a typed event, not as a log line.
    const events = runEvents();
    expect(events.filter((e) => e.type === 'run.interrupt')).toEqual([{ type: 'run.interrupt', time: expect.any(String), signal: 'SIGINT' }]);
    expect(events.some((e) => e.type === 'log' && e.topic === 'interrupt')).toBe(false);
  });

  it('each question opens and closes a typed prompt, without the answer', async () => {
    pane = dplInTerminal(['-v', 'ask'], { cwd: dir, env: { NO_COLOR: '1' } });
    await pane.waitFor(/API token:\s*$/m);
    pane.keys('tok-3141592653', 'Enter');
    await pane.waitFor(/Go on\? \[y\/N\]\s*$/m);
    pane.keys('yes', 'Enter');
    expect(await pane.exitCode()).toBe(0);
    const screen = pane.screen();
    expect(screen).toMatch(/debug: waiting for an answer \(api\.token\)\n/);
    expect(screen).toMatch(/debug: answered\n/);
    expect(screen).toMatch(/going on with a token of 14 characters/);
    const text = readFileSync(join(dir, '.dpl/logs/latest/events.jsonl'), 'utf8');
    expect(text).not.toContain('tok-3141592653');
    const prompts = jsonLines(text).filter((e) => e.type.startsWith('prompt.'));
    expect(prompts).toEqual([
      { type: 'prompt.open', time: expect.any(String), id: 'q1', kind: 'secret', key: 'api.token' },
      { type: 'prompt.close', time: expect.any(String), id: 'q1', kind: 'secret', answered: true },
      { type: 'prompt.open', time: expect.any(String), id: 'q2', kind: 'confirm' },
      { type: 'prompt.close', time: expect.any(String), id: 'q2', kind: 'confirm', answered: true },
    ]);
    expect(jsonLines(text).flatMap((e) => (schemaError(e) ? [`${e.type}: ${schemaError(e)}`] : []))).toEqual([]);
  });
});
