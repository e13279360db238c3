import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dpl, project } from '../helpers/cli.js';

const good = project(`
import { deployfile, task, namespace } from 'dpl-deploy';
export default deployfile({
  tasks: {
    deploy: task({ desc: 'Deploy', run: 'local', args: { ref: { default: 'stable' }, retries: { type: 'number', default: 1 } } }, async (c, a) => {
      await c.local('echo deploying ' + a.ref);
    }),
    proxy: namespace({ flip: task({ desc: 'Flip groups' }, () => {}) }, { desc: 'Load balancer' }),
  },
});
`);

function noStack(stderr: string): void {
  expect(stderr).not.toMatch(/^\s+at /m);
}

describe('bad input through the real CLI', () => {
  it('unknown task: exit 2 with did-you-mean', () => {
    const r = dpl(['deplyo'], { cwd: good });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown task "deplyo"; did you mean "deploy"\?/);
    noStack(r.stderr);
  });

  it('unknown namespaced task suggests the full name', () => {
    const r = dpl(['flip'], { cwd: good });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/did you mean "proxy.flip"/);
  });

  it('malformed arguments: exit 2 naming the token', () => {
    const r = dpl(['deploy:ref=a,b'], { cwd: good });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/"deploy:ref=a,b"/);
    noStack(r.stderr);
  });

  it('an argument the task does not take: exit 2', () => {
    const r = dpl(['deploy:colour=red'], { cwd: good });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/takes no argument "colour"; it takes: ref, retries/);
  });

  it('a badly typed argument: exit 2', () => {
    const r = dpl(['deploy:retries=many'], { cwd: good });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/argument "retries" of deploy must be a number, got "many"/);
  });

  it('nothing runs when any later token is bad', () => {
    const r = dpl(['deploy', 'nope'], { cwd: good });
    expect(r.code).toBe(2);
    expect(r.stdout).not.toMatch(/deploying/);
  });

  it('a deployfile that does not compile: file:line and message, exit 2', () => {
    const dir = project(`import { deployfile } from 'dpl-deploy';\nexport default deployfile({ tasks: { a: ( } });\n`);
    const r = dpl(['--list'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/deployfile does not compile:\n.*deployfile\.ts:2:\d+: /);
    noStack(r.stderr);
  });

  it('a deployfile that throws: file:line and message, exit 2', () => {
    const dir = project(`import { deployfile } from 'dpl-deploy';\n\nfunction boom(): never {\n  throw new Error('inventory service said no');\n}\nboom();\nexport default deployfile({ tasks: {} });\n`);
    const r = dpl(['--list'], { cwd: dir });
    expect(r.code).toBe(2);
    // The deployfile's own error, at its line (issue #17): not "failed while loading" with no place.
    expect(r.stderr).toMatch(/^dpl: error: deployfile\.ts:4:\d+: inventory service said no$/m);
    noStack(r.stderr);
  });

  it('a deployfile without the default export: exit 2 with the fix', () => {
    const dir = project(`export const x = 1;\n`);
    const r = dpl(['--list'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/must `export default deployfile/);
  });

  it('no deployfile: says where it looked, exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpl-empty-'));
    mkdirSync(join(dir, 'sub'));
    const r = dpl(['deploy'], { cwd: join(dir, 'sub') });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`no deployfile.ts found in ${join(dir, 'sub')} or any parent directory`));
    expect(r.stderr).toMatch(/dpl init/);
  });

  it('-f to a missing file: exit 2', () => {
    const r = dpl(['-f', '/nonexistent/deployfile.ts', '--list']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/deployfile not found: \/nonexistent\/deployfile.ts/);
  });

  it('unknown option and bad option values: exit 2', () => {
    expect(dpl(['--frobnicate'], { cwd: good })).toMatchObject({ code: 2 });
    const r = dpl(['-z', 'zero', 'deploy'], { cwd: good });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--pool-size must be a positive whole number/);
  });

  it('no task at all: exit 2 with a hint', () => {
    const r = dpl([], { cwd: good });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no task given/);
  });

  it('ad-hoc command without hosts: exit 2', () => {
    const r = dpl(['--', 'uptime'], { cwd: good });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no hosts to run "uptime" on/);
  });

  it('a subdirectory finds the deployfile in a parent', () => {
    const sub = join(good, 'a', 'b');
    mkdirSync(sub, { recursive: true });
    const r = dpl(['--list'], { cwd: sub });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/deploy:ref=stable,retries=1\s+Deploy/);
  });
});

describe('listing and plans touch no host', () => {
  it('--list shows a tree with descriptions and arguments; -d describes one task', () => {
    const r = dpl(['--list'], { cwd: good });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/proxy\.\s+Load balancer/);
    expect(r.stdout).toMatch(/\n    proxy\.flip\s+Flip groups/);
    const d = dpl(['-d', 'deploy'], { cwd: good });
    expect(d.stdout).toMatch(/retries \(number, default 1\)/);
  });

  it('--dry-run prints commands and runs none', () => {
    const marker = join(good, 'touched');
    const dir = project(`
import { deployfile, task } from 'dpl-deploy';
export default deployfile({ tasks: { t: task(async (c) => { await c.cd('/srv/app').run('touch ${marker}'); }) } });
`);
    // A plan needs hosts as a run does; app-1 is never contacted.
    const none = dpl(['--dry-run', 't'], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/task "t" runs on hosts, and none are chosen/);
    const r = dpl(['--dry-run', '-H', 'app-1.invalid', 't'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/run: cd \/srv\/app && touch /);
    expect(r.stdout).toMatch(/dry run: no host was touched/);
    expect(existsSync(marker)).toBe(false);
  });

  it('--json prints one parseable event per line and nothing else', () => {
    const r = dpl(['--json', 'deploy:v1'], { cwd: good });
    expect(r.code).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(events[0].type).toBe('run.start');
    expect(events.at(-1)).toMatchObject({ type: 'run.end', ok: true });
    expect(events.some((e) => e.type === 'output' && e.line === 'deploying v1')).toBe(true);
  });

  it('--version and --help exit 0', () => {
    expect(dpl(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const h = dpl(['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/--parallel/);
  });
});
