// The operator tasks against real sshd hosts (test/support bed) through the CLI:
// monitor on several hosts at once with per-host prefixes and Ctrl-C killing the
// remote tails; status and history across hosts, an unreachable one included.
import { appendFileSync, chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { apiExports, dplRun, jsonLines, start, tempProject, expectCode } from '../reporters/support/cli.js';
import { describeBed, waitFor } from '../support/bed.js';
import { HISTORY, historyLines } from './support/history.js';

const hasOps = await apiExports('opsTasks');
const HOSTS = ['web-0', 'web-1', 'web-2'];

function remoteProcesses(text: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', text], { encoding: 'utf8' }).split('\n').filter((l) => l && !l.includes('pgrep'));
  } catch {
    return [];
  }
}

describeBed('ops tasks over ssh', (bed) => {
  let dir: string;
  const tag = `ops-${process.pid}`;
  const logOf = (host: string) => join(bed.hosts[host]!.root, `${tag}.log`);
  const srvOf = (host: string) => join(bed.hosts[host]!.root, `${tag}-srv`);
  const dpl = (args: string[]) => ['-F', bed.configFile, ...args];

  beforeAll(() => {
    for (const host of HOSTS) {
      writeFileSync(logOf(host), `${host} booted\n`, { mode: 0o644 });
      chmodSync(logOf(host), 0o666);
      const srv = srvOf(host);
      for (const r of ['20261120T100000Z', '20261121T100000Z']) mkdirSync(join(srv, 'releases', r), { recursive: true, mode: 0o755 });
      symlinkSync(`releases/${host === 'web-2' ? '20261120T100000Z' : '20261121T100000Z'}`, join(srv, 'current'));
      // web-2 never got bob's release: it failed there.
      const records = HISTORY.filter((r) => r.release !== '20261121T110000Z').map((r) =>
        host === 'web-2' && r.release === '20261121T100000Z' && r.status === 'deployed' ? { ...r, status: 'failed' as const, reason: 'disk full' } : r,
      );
      writeFileSync(join(srv, 'history.jsonl'), historyLines(records), { mode: 0o644 });
    }
    const inventory = Object.fromEntries(HOSTS.map((h) => [h, { hostname: h, vars: { deployPath: srvOf(h) } }]));
    dir = tempProject(`
import { deployfile, opsTasks } from 'dpl-deploy';
export default deployfile({
  hosts: ${JSON.stringify(inventory)},
  roles: { web: ${JSON.stringify(HOSTS)} },
  tasks: {
    ...opsTasks({ services: { airship: { log: '~/${tag}.log', status: 'test -f ~/${tag}.log && echo "airship RUNNING"' } } }).tasks,
  },
});
`);
  });

  it.skipIf(!hasOps)('monitor follows the log on every host at once, prefixed per host; Ctrl-C kills every remote tail', async () => {
    const run = start(dpl(['-R', 'web', 'monitor:airship']), { cwd: dir });
    for (const h of HOSTS) await run.waitFor(new RegExp(`^\\[${h}\\] out: ${h} booted$`, 'm'));
    await waitFor(() => remoteProcesses(`${tag}.log`).length >= HOSTS.length);
    for (const h of HOSTS) appendFileSync(logOf(h), `${h} served a request\n`);
    for (const h of HOSTS) await run.waitFor(new RegExp(`^\\[${h}\\] out: ${h} served a request$`, 'm'));
    run.child.kill('SIGINT');
    const done = await run.done;
    expectCode(done, 130);
    expect(done.stdout).toMatch(/host states when interrupted during monitor:\n\s+web-0\s+running\n\s+web-1\s+running\n\s+web-2\s+running/);
    expect(done.stdout).not.toMatch(/failed:/);
    await waitFor(() => remoteProcesses(`${tag}.log`).length === 0, 10_000);
  });

  it.skipIf(!hasOps)('monitor --json: every host ends as a success after Ctrl-C', async () => {
    const run = start(dpl(['--json', '-R', 'web', 'monitor']), { cwd: dir });
    for (const h of HOSTS) await run.waitFor(new RegExp(`"host":"${h}","stream":"out","line":"${h} booted"`));
    run.child.kill('SIGINT');
    const events = jsonLines((await run.done).stdout);
    const ends = events.filter((e) => e.type === 'host.end');
    expect(ends.map((e) => [e.host, e.ok]).sort()).toEqual(HOSTS.map((h) => [h, true]));
    await waitFor(() => remoteProcesses(`${tag}.log`).length === 0, 10_000);
  });

  it.skipIf(!hasOps)('status: one row per host and service, with the live release; an unreachable host gets its row', async () => {
    const r = await dplRun(dpl(['-H', 'web-0,web-1,web-2,refused', 'status']), { cwd: dir });
    expectCode(r, 0);
    expect(r.stdout).toMatch(/^web-0\s+airship\s+up\s+airship RUNNING\s+20261121T100000Z$/m);
    expect(r.stdout).toMatch(/^web-2\s+airship\s+up\s+airship RUNNING\s+20261120T100000Z$/m);
    expect(r.stdout).toMatch(/^refused\s+-\s+unreachable\s+\S.*\s+-$/m);
    const strict = await dplRun(dpl(['-H', 'web-0,refused', 'status:strict=true']), { cwd: dir });
    expectCode(strict, 1);
    expect(strict.stderr).toMatch(/refused: unreachable/);
  });

  it.skipIf(!hasOps)('history merges every host: who deployed what where, and how it ended', async () => {
    const r = await dplRun(dpl(['-R', 'web', 'history']), { cwd: dir });
    expectCode(r, 0);
    const rows = r.stdout.split('\n').filter((l) => /^\d{4}-/.test(l));
    expect(rows).toEqual([
      expect.stringMatching(/\sbob\s+main\s+bbbbbbbbbb\s+20261121T100000Z\s+web-0,web-1,web-2\s+deployed on 2, failed on 1 \(live on 2\): disk full$/),
      expect.stringMatching(/\salice\s+v1\.0\.0\s+aaaaaaaaaa\s+20261120T100000Z\s+web-0,web-1,web-2\s+deployed \(live on 1\)$/),
    ]);
  });
});
