// The operator tasks on this machine (no hosts selected: they run locally):
// monitor/logs follow files until Ctrl-C and end as a success, status shows a
// table, history merges the history log. The same tasks over ssh: remote.test.ts.
import { appendFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiExports, dplRun, jsonLines, start, tempProject, expectCode } from '../reporters/support/cli.js';
import { historyLines } from './support/history.js';

const hasOps = await apiExports('opsTasks');

/** Processes whose command line mentions `text` (ours only: the text is a unique temp path). */
function processesWith(text: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', text], { encoding: 'utf8' }).split('\n').filter((l) => l && !l.includes('pgrep'));
  } catch {
    return [];
  }
}

let dir: string;
let appLog: string;
let workerLog: string;

beforeAll(() => {
  dir = tempProject('');
  appLog = join(dir, 'app.log');
  workerLog = join(dir, 'worker.log');
  writeFileSync(appLog, 'app line 1\napp line 2\n');
  writeFileSync(workerLog, 'worker line 1\n');
  const deploy = join(dir, 'srv');
  mkdirSync(join(deploy, 'releases/20261120T100000Z'), { recursive: true });
  mkdirSync(join(deploy, 'releases/20261121T100000Z'), { recursive: true });
  symlinkSync('releases/20261121T100000Z', join(deploy, 'current'));
  writeFileSync(join(deploy, 'history.jsonl'), historyLines());
  writeFileSync(
    join(dir, 'deployfile.ts'),
    `
import { deployfile, opsTasks } from 'dpl-deploy';
export default deployfile({
  config: { deployPath: ${JSON.stringify(deploy)} },
  tasks: {
    ...opsTasks({
      services: {
        app: { log: ${JSON.stringify(appLog)}, status: 'echo "app RUNNING pid 42, uptime 1:00:00"' },
        worker: { log: ${JSON.stringify(workerLog)}, follow: 'echo worker says hi; sleep 30', status: 'echo "worker STOPPED"; exit 3' },
      },
    }),
  },
});
`,
  );
});

describe.skipIf(!hasOps)('monitor and logs (local)', () => {
  it('follows a service log until Ctrl-C, closes the tail, and the task ends as a success', async () => {
    const run = start(['--json', 'monitor:app'], { cwd: dir });
    await run.waitFor(/"line":"app line 2"/);
    expect(processesWith(appLog).length).toBeGreaterThan(0);
    appendFileSync(appLog, 'app line 3\n');
    await run.waitFor(/"line":"app line 3"/);
    run.child.kill('SIGINT');
    const done = await run.done;
    expectCode(done, 130);
    const events = jsonLines(done.stdout);
    expect(events).toContainEqual(expect.objectContaining({ type: 'command.start', command: `tail -n 10 -F ${appLog}` }));
    expect(events).toContainEqual(expect.objectContaining({ type: 'host.end', task: 'monitor', ok: true }));
    expect(events).toContainEqual(expect.objectContaining({ type: 'task.end', task: 'monitor', ok: true }));
    expect(processesWith(appLog)).toEqual([]);
  });

  it('follows every service at once: the log files in one tail, plus the follow commands', async () => {
    const run = start(['monitor'], { cwd: dir });
    await run.waitFor(/\[local\] out: worker says hi/);
    await run.waitFor(/\[local\] out: worker line 1/);
    expect(run.stdout).toMatch(/following app, worker \(Ctrl-C to stop\)/);
    expect(run.stdout).toContain(`[local] run: tail -n 10 -F ${appLog} ${workerLog}`);
    expect(run.stdout).toContain(`==> ${appLog} <==`);
    run.child.kill('SIGINT');
    const done = await run.done;
    expectCode(done, 130);
    expect(done.stdout).toMatch(/host states when interrupted during monitor:\n\s+local\s+running/);
    expect(done.stdout.trimEnd().split('\n').at(-1)).toMatch(/^Interrupted: 1 task/);
    expect(processesWith(workerLog)).toEqual([]);
  });

  it('stops by itself after for=N seconds, as a success', async () => {
    const r = await dplRun(['monitor:app,lines=1,for=1'], { cwd: dir });
    expectCode(r, 0);
    expect(r.stdout).toMatch(/following app for 1s/);
    expect(r.stdout.match(/\[local\] out: app line \d/g)).toHaveLength(1);
    expect(r.stdout).not.toContain('app line 1');
  });

  it('logs: prints the last lines of any file without following', async () => {
    const r = await dplRun([`logs:files=${workerLog},lines=5,follow=false`], { cwd: dir });
    expectCode(r, 0);
    expect(r.stdout).toContain(`[local] run: tail -n 5 ${workerLog}`);
    expect(r.stdout).toContain('[local] out: worker line 1');
  });

  it('an unknown service is a usage error', async () => {
    const r = await dplRun(['monitor:nope'], { cwd: dir });
    expectCode(r, 2);
    expect(r.stderr).toMatch(/must be one of app, worker/);
  });
});

describe.skipIf(!hasOps)('status and history (local)', () => {
  it('status: a table of service states and the current release', async () => {
    const r = await dplRun(['status'], { cwd: dir });
    expectCode(r, 0);
    expect(r.stdout).toMatch(/^HOST\s+SERVICE\s+STATE\s+DETAIL\s+RELEASE$/m);
    expect(r.stdout).toMatch(/^local\s+app\s+up\s+app RUNNING pid 42, uptime 1:00:00\s+20261121T100000Z$/m);
    expect(r.stdout).toMatch(/^local\s+worker\s+DOWN\s+worker STOPPED\s+20261121T100000Z$/m);
  });

  it('status:strict=true fails when a service is down; status:app only shows app', async () => {
    const strict = await dplRun(['status:strict=true'], { cwd: dir });
    expectCode(strict, 1);
    expect(strict.stderr).toMatch(/local: worker is down: worker STOPPED/);
    const one = await dplRun(['status:app,strict=true'], { cwd: dir });
    expectCode(one, 0);
    expect(one.stdout).not.toMatch(/worker/);
  });

  it('history: one row per deploy, newest first, with who, ref, SHA and outcome', async () => {
    const r = await dplRun(['history'], { cwd: dir });
    expectCode(r, 0);
    const table = r.stdout.split('\n').filter((l) => /^(WHEN|\d{4}-)/.test(l));
    expect(table[0]).toMatch(/^WHEN\s+WHO\s+REF\s+SHA\s+RELEASE\s+HOSTS\s+OUTCOME$/);
    expect(table.slice(1)).toEqual([
      expect.stringMatching(/^2026-11-21 \d\d:\d\d\s+carol\s+feature\/x\s+cccccccccc\s+20261121T110000Z\s+local\s+failed: npm ci failed$/),
      expect.stringMatching(/^2026-11-21 \d\d:\d\d\s+bob\s+main\s+bbbbbbbbbb\s+20261121T100000Z\s+local\s+deployed \(live\)$/),
      expect.stringMatching(/^2026-11-20 \d\d:\d\d\s+alice\s+v1\.0\.0\s+aaaaaaaaaa\s+20261120T100000Z\s+local\s+deployed$/),
    ]);
  });

  it('history --json carries the rows as data; limit cuts the list', async () => {
    const r = await dplRun(['--json', 'history:limit=1'], { cwd: dir });
    expectCode(r, 0);
    const table = jsonLines(r.stdout).find((e) => e.type === 'log' && e.topic === 'ops');
    expect(table!.data.deploys).toHaveLength(1);
    expect(table!.data.deploys[0]).toMatchObject({ release: '20261121T110000Z', user: 'carol', hosts: { local: 'failed' } });
    expect(table!.message).toMatch(/\(2 older deploys not shown; history:limit=N\)/);
  });
});
