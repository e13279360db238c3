// The operator tasks on one host, web-0 of the sshd test bed, chosen with -H:
// monitor/logs follow files until Ctrl-C and end as a success, status shows a
// table, history reads the history log. Since #15 nothing runs on this machine
// unless asked, so with no host chosen they are refused. Several
// hosts at once and an unreachable one: remote.test.ts; nothing here repeats it.
import { appendFileSync, chownSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiExports, dplRun, jsonLines, start, tempProject, expectCode } from '../reporters/support/cli.js';
import { describeBed, waitFor } from '../support/bed.js';
import { historyLines } from './support/history.js';
import { schemaError } from '../schema/validate.js';

const hasOps = await apiExports('opsTasks');
const HOST = 'web-0';

/** Processes whose command line mentions `text` (ours only: the text is a unique path). Bed hosts are this machine. */
function processesWith(text: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', text], { encoding: 'utf8' }).split('\n').filter((l) => l && !l.includes('pgrep'));
  } catch {
    return [];
  }
}

describeBed('operator tasks on one host', (bed) => {
  let dir: string;
  let tree: string;
  let appLog: string;
  let workerLog: string;
  const dpl = (args: string[]) => ['-F', bed.configFile, '--known-hosts', bed.knownHostsFile, ...args];
  const onHost = (args: string[]) => dpl(['-H', HOST, ...args]);

  beforeAll(() => {
    // A unique tree under web-0's $HOME, owned by the login user (dpltest when the bed runs as root).
    tree = join(bed.hosts[HOST]!.root, `ops-local-${process.pid}`);
    appLog = join(tree, 'app.log');
    workerLog = join(tree, 'worker.log');
    const deploy = join(tree, 'srv');
    const made = [tree, deploy, join(deploy, 'releases')];
    for (const r of ['20261120T100000Z', '20261121T100000Z']) made.push(join(deploy, 'releases', r));
    for (const d of made) mkdirSync(d, { recursive: true, mode: 0o755 });
    writeFileSync(appLog, 'app line 1\napp line 2\n', { mode: 0o644 });
    writeFileSync(workerLog, 'worker line 1\n', { mode: 0o644 });
    writeFileSync(join(deploy, 'history.jsonl'), historyLines(), { mode: 0o644 });
    symlinkSync('releases/20261121T100000Z', join(deploy, 'current'));
    for (const p of [...made, appLog, workerLog, join(deploy, 'history.jsonl')]) chownSync(p, bed.uid, bed.gid);
    execFileSync('chown', ['-h', `${bed.uid}:${bed.gid}`, join(deploy, 'current')]);
    const inventory = { [HOST]: { hostname: HOST, vars: { deployPath: deploy } } };
    dir = tempProject(`
import { deployfile, opsTasks } from 'dpl-deploy';
export default deployfile({
  hosts: ${JSON.stringify(inventory)},
  tasks: {
    ...opsTasks({
      services: {
        app: { log: ${JSON.stringify(appLog)}, status: 'echo "app RUNNING pid 42, uptime 1:00:00"' },
        worker: { log: ${JSON.stringify(workerLog)}, follow: 'echo worker says hi; sleep 30', status: 'echo "worker STOPPED"; exit 3' },
      },
    }).tasks,
  },
});
`);
  });

  afterAll(() => {
    if (tree) rmSync(tree, { recursive: true, force: true });
  });

  describe.skipIf(!hasOps)('monitor and logs', () => {
    it('follows a service log until Ctrl-C, closes the tail, and the task ends as a success', async () => {
      const run = start(onHost(['--json', 'monitor:app']), { cwd: dir });
      await run.waitFor(/"line":"app line 2"/);
      await waitFor(() => processesWith(appLog).length > 0);
      appendFileSync(appLog, 'app line 3\n');
      await run.waitFor(/"line":"app line 3"/);
      run.child.kill('SIGINT');
      const done = await run.done;
      expectCode(done, 130);
      const events = jsonLines(done.stdout);
      expect(events).toContainEqual(expect.objectContaining({ type: 'command.start', host: HOST, command: `tail -n 10 -F ${appLog}` }));
      expect(events).toContainEqual(expect.objectContaining({ type: 'host.end', host: HOST, task: 'monitor', ok: true }));
      expect(events).toContainEqual(expect.objectContaining({ type: 'task.end', task: 'monitor', ok: true }));
      await waitFor(() => processesWith(appLog).length === 0, 10_000);
    });

    it('follows every service at once: the log files in one tail, plus the follow commands', async () => {
      const run = start(onHost(['monitor']), { cwd: dir });
      await run.waitFor(/\[web-0\] out: worker says hi/);
      await run.waitFor(/\[web-0\] out: worker line 1/);
      expect(run.stdout).toMatch(/following app, worker \(Ctrl-C to stop\)/);
      expect(run.stdout).toContain(`[web-0] run: tail -n 10 -F ${appLog} ${workerLog}`);
      expect(run.stdout).toContain(`==> ${appLog} <==`);
      run.child.kill('SIGINT');
      const done = await run.done;
      expectCode(done, 130);
      // The per-host "host states when interrupted" listing is asserted in remote.test.ts.
      expect(done.stdout.trimEnd().split('\n').at(-1)).toMatch(/^Interrupted: 1 task/);
      await waitFor(() => processesWith(workerLog).length === 0 && processesWith('worker says hi').length === 0, 10_000);
    });

    it('stops by itself after for=N seconds, as a success', async () => {
      const r = await dplRun(onHost(['monitor:app,lines=1,for=1']), { cwd: dir });
      expectCode(r, 0);
      expect(r.stdout).toMatch(/following app for 1s/);
      expect(r.stdout.match(/\[web-0\] out: app line \d/g)).toHaveLength(1);
      expect(r.stdout).not.toContain('app line 1');
      await waitFor(() => processesWith(appLog).length === 0, 10_000);
    });

    it('logs: prints the last lines of any file without following', async () => {
      const r = await dplRun(onHost([`logs:files=${workerLog},lines=5,follow=false`]), { cwd: dir });
      expectCode(r, 0);
      expect(r.stdout).toContain(`[web-0] run: tail -n 5 ${workerLog}`);
      expect(r.stdout).toContain('[web-0] out: worker line 1');
    });

    it('an unknown service is a usage error', async () => {
      const r = await dplRun(onHost(['monitor:nope']), { cwd: dir });
      expectCode(r, 2);
      expect(r.stderr).toMatch(/must be one of app, worker/);
    });

    it('with no host chosen, monitor is refused (exit 2) and follows nothing', async () => {
      const r = await dplRun(dpl(['monitor:app']), { cwd: dir });
      expectCode(r, 2);
      expect(r.stderr).toMatch(/task "monitor" runs on hosts, and none are chosen/);
      expect(r.stdout).not.toMatch(/app line/);
      expect(processesWith(appLog)).toEqual([]);
    });
  });

  describe.skipIf(!hasOps)('status and history', () => {
    it('status: a table of service states and the current release', async () => {
      const r = await dplRun(onHost(['status']), { cwd: dir });
      expectCode(r, 0);
      expect(r.stdout).toMatch(/^HOST\s+SERVICE\s+STATE\s+DETAIL\s+RELEASE$/m);
      expect(r.stdout).toMatch(/^web-0\s+app\s+up\s+app RUNNING pid 42, uptime 1:00:00\s+20261121T100000Z$/m);
      expect(r.stdout).toMatch(/^web-0\s+worker\s+DOWN\s+worker STOPPED\s+20261121T100000Z$/m);
    });

    it('status:strict=true fails when a service is down; status:app only shows app', async () => {
      const strict = await dplRun(onHost(['status:strict=true']), { cwd: dir });
      expectCode(strict, 1);
      expect(strict.stderr).toMatch(/web-0: worker is down: worker STOPPED/);
      const one = await dplRun(onHost(['status:app,strict=true']), { cwd: dir });
      expectCode(one, 0);
      expect(one.stdout).not.toMatch(/worker/);
    });

    it('history: one row per deploy, newest first, with who, ref, SHA and outcome', async () => {
      const r = await dplRun(onHost(['history']), { cwd: dir });
      expectCode(r, 0);
      const table = r.stdout.split('\n').filter((l) => /^(WHEN|\d{4}-)/.test(l));
      expect(table[0]).toMatch(/^WHEN\s+WHO\s+REF\s+SHA\s+RELEASE\s+HOSTS\s+OUTCOME$/);
      expect(table.slice(1)).toEqual([
        expect.stringMatching(/^2026-11-21 \d\d:\d\d\s+carol\s+feature\/x\s+cccccccccc\s+20261121T110000Z\s+web-0\s+failed: npm ci failed$/),
        expect.stringMatching(/^2026-11-21 \d\d:\d\d\s+bob\s+main\s+bbbbbbbbbb\s+20261121T100000Z\s+web-0\s+deployed \(live\)$/),
        expect.stringMatching(/^2026-11-20 \d\d:\d\d\s+alice\s+v1\.0\.0\s+aaaaaaaaaa\s+20261120T100000Z\s+web-0\s+deployed$/),
      ]);
    });

    it('history --json carries the rows as data; limit cuts the list', async () => {
      const r = await dplRun(onHost(['--json', 'history:limit=1']), { cwd: dir });
      expectCode(r, 0);
      const table = jsonLines(r.stdout).find((e) => e.type === 'ops.history');
      expect(table!.deploys).toHaveLength(1);
      expect(table!.deploys[0]).toMatchObject({ release: '20261121T110000Z', user: 'carol', hosts: { [HOST]: 'failed' } });
      expect(table).toMatchObject({ more: 2, unreachable: [] });
      expect(schemaError(table)).toBeUndefined();
      expect(jsonLines(r.stdout).some((e) => e.type === 'log' && e.topic === 'ops')).toBe(false);
      // Without --json the same event is the table with its note.
      const text = await dplRun(onHost(['history:limit=1']), { cwd: dir });
      expect(text.stdout).toMatch(/\(2 older deploys not shown; history:limit=N\)/);
    });
  });
});
