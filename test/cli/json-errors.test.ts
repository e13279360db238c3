// Error fields in --json (issue #20): the real dpl CLI against the real sshd bed ends
// with a run.end that says what failed as data (code, host, each host's failure), so a
// CI job matches on `code`, not on the English text. The terminal's words are unchanged.
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { dpl, project } from '../helpers/cli.js';
import { describeBed } from '../support/bed.js';
import { cliProject, deployFixtures, type CliRun } from '../deploy/cli-project.js';
import type { AppRepo } from '../deploy/fixtures.js';
import type { DplEvent, EventMap } from '../../src/core/events.js';

type RunEnd = EventMap['run.end'];

function events(stdout: string): DplEvent[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as DplEvent);
}

function runEnd(r: { stdout: string; stderr: string }): RunEnd {
  const end = events(r.stdout).filter((e) => e.type === 'run.end');
  expect(end, r.stdout + r.stderr).toHaveLength(1);
  return end[0] as RunEnd;
}

const hostEnds = (stdout: string) => events(stdout).filter((e): e is Extract<DplEvent, { type: 'host.end' }> => e.type === 'host.end');

describeBed('error codes in --json (CLI, real hosts)', (bed) => {
  const F = ['-F', bed.configFile];
  let repo!: AppRepo;
  const { track } = deployFixtures(bed, (r) => (repo = r));
  const dirs: string[] = [];
  /** A directory to run in, for the run log it leaves (removed after the file). */
  const scratch = (): string => (dirs.push(mkdtempSync(path.join(tmpdir(), 'dpl-json-errors-'))), dirs.at(-1)!);
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('a failing command: command.failed on its host, in host.end and in run.end.failures, in --json and the run log; the terminal still says [host]', () => {
    const cwd = scratch();
    const r = dpl([...F, '--json', '-H', 'web-0', '--', 'echo broken >&2; exit 3'], { cwd });
    expect(r.code, r.stderr).toBe(1);
    const end = runEnd(r);
    expect(end).toMatchObject({ ok: false, code: 'hosts.failed', hostsFailed: ['web-0'] });
    expect(end.failures).toEqual([{ host: 'web-0', code: 'command.failed', message: expect.stringMatching(/^command exited with code 3: echo broken/) }]);
    expect(hostEnds(r.stdout)).toEqual([expect.objectContaining({ host: 'web-0', ok: false, code: 'command.failed' })]);
    // The run log keeps the same fields.
    const logged = runEnd({ stdout: readFileSync(path.join(cwd, '.dpl', 'logs', 'latest', 'events.jsonl'), 'utf8'), stderr: '' });
    expect(logged).toMatchObject({ code: 'hosts.failed', failures: end.failures });

    const human = dpl([...F, '-H', 'web-0', '--', 'echo broken >&2; exit 3'], { cwd });
    expect(human.code).toBe(1);
    expect(human.stdout + human.stderr).toMatch(/^\[web-0\] failed: command exited with code 3: echo broken/m);
    expect(human.stderr).toMatch(/^  - web-0: command exited with code 3: echo broken/m);
  });

  it('a changed host key: hostkey.changed (never skipped), an unknown one: hostkey.unknown', () => {
    const cwd = scratch();
    const r = dpl([...F, '--json', '--skip-bad-hosts', '-H', 'imposter', '--', 'true'], { cwd });
    expect(r.code, r.stderr).not.toBe(0);
    expect(runEnd(r).failures).toEqual([expect.objectContaining({ host: 'imposter', code: 'hostkey.changed', message: expect.stringMatching(/^HOST KEY CHANGED for /), hint: expect.stringContaining('ssh-keygen -R') })]);
    expect(hostEnds(r.stdout)).toEqual([expect.objectContaining({ host: 'imposter', code: 'hostkey.changed', skipped: false })]);
    expect(r.stderr).toMatch(/^  - imposter: HOST KEY CHANGED for /m);

    const unknown = dpl([...F, '--json', '-H', 'stranger', '--', 'true'], { cwd });
    expect(runEnd(unknown).failures).toEqual([expect.objectContaining({ host: 'stranger', code: 'hostkey.unknown' })]);
  });

  it('an unknown task: usage.unknown-task, exit 2, and --json still ends with run.end', () => {
    const dir = project(`import { deployfile, task } from 'dpl-deploy';\nexport default deployfile({ tasks: { hello: task(async () => undefined) } });\n`);
    dirs.push(dir);
    const r = dpl(['--json', 'helo'], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(runEnd(r)).toMatchObject({ ok: false, tasks: 0, code: 'usage.unknown-task', error: 'unknown task "helo"; did you mean "hello"?' });
    expect(r.stderr).toMatch(/^dpl: error: unknown task "helo"/m);
    // Without --json nothing is added to the terminal.
    const human = dpl(['helo'], { cwd: dir });
    expect(human.code).toBe(2);
    expect(human.stdout).toBe('');
  });

  it('a deploy lock held by another machine: lock.held', async () => {
    const p = track(cliProject(bed, 'errcodes-lock', `{ repoDir: ${JSON.stringify(repo.work)}, roles: ['web'], cleanup: false }`));
    const lock = path.join(p.paths['web-0']!, '.dpl-lock');
    mkdirSync(lock, { recursive: true });
    writeFileSync(path.join(lock, 'token'), 'f00dfeedf00dfeedf00dfeed\n');
    writeFileSync(path.join(lock, 'info.json'), JSON.stringify({ user: 'alice', machine: 'build-7.elsewhere', pid: 1, time: '2026-01-01T00:00:00.000Z', target: 'deploy.release:v9' }) + '\n');
    for (const f of [p.paths['web-0']!, lock, path.join(lock, 'token'), path.join(lock, 'info.json')]) chownSync(f, bed.uid, bed.gid);
    const r: CliRun = await p.dpl(['--json', 'deploy:v1.0.0']);
    expect(r.code, r.stderr).toBe(1);
    const end = runEnd(r);
    expect(end).toMatchObject({ ok: false, code: 'lock.held', hint: expect.stringContaining('deploy.unlock') });
    expect(end.error).toContain('held by alice@build-7.elsewhere');
  });
});
