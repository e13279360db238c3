// A hint's command acts on the hosts the failed command acted on: it carries the -H/-R/-x
// flags and the task's host keys that chose them (src/deploy/task-names.ts). Run through
// the real CLI on bed hosts: the hinted command is split by a real shell and run verbatim.
import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { describeBed } from '../support/bed.js';
import { type AppRepo } from './fixtures.js';
import { cliProject, deployFixtures, HOSTS, ok, type CliProject, type CliRun } from './cli-project.js';

/** The command in the run's hint line that starts with `dpl <task>` (`dpl: hint: … \`dpl -x web-2 deploy.rollback\` …`). */
function hinted(r: CliRun, task: string): string {
  const line = r.stderr.split('\n').find((l) => l.startsWith('dpl: hint:')) ?? '';
  const cmd = [...line.matchAll(/`(dpl [^`]+)`/g)].map((m) => m[1]!).find((c) => c.includes(task));
  expect(cmd, `no \`dpl … ${task}\` in the hint:\n${r.stderr}`).toBeDefined();
  return cmd!;
}

/** The words a POSIX shell makes of the command, without its leading `dpl`. */
function shellWords(cmd: string): string[] {
  const out = execFileSync('sh', ['-c', `set -- ${cmd}; shift; printf '%s\\0' "$@"`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describeBed('hints name the hosts the command ran on', (bed) => {
  let repo!: AppRepo;
  const { track } = deployFixtures(bed, (r) => (repo = r));
  // No roles of its own: -H/-R or host keys choose; a restart failing on $FAIL_ON; no automatic rollback.
  const project = (name: string) =>
    track(cliProject(bed, name, `{ repoDir: ${JSON.stringify(repo.work)}, autoRollback: false, hooks: { restart: async (c, rel) => { if (rel.host.name === process.env.FAIL_ON) await c.run('exit 3'); } } }`));

  /** v1.0.0 on every host; then v1.1.0 with `args` choosing the hosts, failing on web-0: the hint rolls back. */
  async function failedDeploy(p: CliProject, args: string[]): Promise<{ first: string; r: CliRun }> {
    ok(await p.dpl(['-H', HOSTS.join(','), 'deploy:v1.0.0']));
    const first = p.current('web-0')!;
    const r = await p.dpl([...args], { FAIL_ON: 'web-0' });
    expect(r.code, r.stderr).toBe(1);
    return { first, r };
  }

  it('-x: `dpl -H … -x web-2 deploy:v1.1.0` hints `dpl -H … -x web-2 deploy.rollback`, which rolls back web-0 and web-1 only', async () => {
    const p = project('hint-x');
    const { first, r } = await failedDeploy(p, ['-H', HOSTS.join(','), '-x', 'web-2', 'deploy:v1.1.0']);
    const cmd = hinted(r, 'deploy.rollback');
    expect(cmd).toBe('dpl -H web-0,web-1,web-2 -x web-2 deploy.rollback');
    const web2 = p.history('web-2');
    const back = await p.dpl(shellWords(cmd));
    ok(back);
    expect(p.current('web-0')).toBe(first);
    expect(p.current('web-1')).toBe(first);
    // web-2 never had v1.1.0 and is not touched by the hinted command.
    expect(p.history('web-2')).toEqual(web2);
    expect(back.stdout).not.toContain('[web-2]');
  });

  it('host keys: `deploy:v1.1.0,hosts=web-0;web-1` hints `dpl \'deploy.rollback:hosts=web-0;web-1\'`, quoted for the shell', async () => {
    const p = project('hint-keys');
    const { first, r } = await failedDeploy(p, ['deploy:v1.1.0,hosts=web-0;web-1']);
    const cmd = hinted(r, 'deploy.rollback');
    expect(cmd).toBe("dpl 'deploy.rollback:hosts=web-0;web-1'");
    const web2 = p.history('web-2');
    const back = await p.dpl(shellWords(cmd));
    ok(back);
    expect([p.current('web-0'), p.current('web-1')]).toEqual([first, first]);
    expect(p.history('web-2')).toEqual(web2);
    // deploy.releases from the other hint line of a bad release name keeps the keys too.
    const bad = await p.dpl(['-R', 'db', 'deploy.rollback:yesterday,exclude_hosts=web-0']);
    expect(bad.code).toBe(2);
    const list = hinted(bad, 'deploy.releases');
    expect(list).toBe('dpl -R db deploy.releases:exclude_hosts=web-0');
    const shown = await p.dpl(shellWords(list));
    ok(shown);
    expect(shown.stdout).toContain('[web-1]');
    expect(shown.stdout).not.toMatch(/\[web-[02]\]/);
  });
});
