// Issue #17 finding 5: help for someone who has just installed dpl. `dpl --help`
// lists every registered subcommand, `dpl help` is that help (with or without a
// deployfile, never "no deployfile"), and `dpl help TASK` describes a task as
// `dpl -d TASK` does.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SUBCOMMANDS } from '../../src/cli/commands/table.js';
import { dplRun, expectCode, tempDir, tempProject } from '../reporters/support/cli.js';

const RELEASE_DEPLOYFILE = `import { deployfile, release } from 'dpl-deploy';
const app = release({ repoUrl: 'git@example.com:shop.git' });
export default deployfile({ hosts: { 'web-0': 'web-0.example.com' }, tasks: { deploy: app } });
`;

describe('help', () => {
  it('`dpl --help` lists every registered subcommand, and each one answers --help', async () => {
    const r = await dplRun(['--help'], { cwd: tempDir('dpl-help-') });
    expectCode(r, 0);
    const names = SUBCOMMANDS.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['init', 'check', 'sandbox', 'completion', 'ssh-config', 'help']));
    for (const s of SUBCOMMANDS) {
      expect(r.stdout).toMatch(new RegExp(`^  ${s.usage.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} +${s.summary.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'));
      if (s.name === 'help') continue;
      const sub = await dplRun([s.name, '--help'], { cwd: tempDir('dpl-help-') });
      expectCode(sub, 0);
      // commander-built usages (ssh-config) say "Usage:".
      expect(sub.stdout).toMatch(new RegExp(`^usage: dpl ${s.name}\\b`, 'im'));
    }
    expect(r.stdout).toMatch(/^Commands:$/m);
    expect(r.stdout).toContain('dpl help TASK');
  });

  it('`dpl help` without a deployfile is the general help, exit 0, no "no deployfile"', async () => {
    const dir = tempDir('dpl-help-');
    const r = await dplRun(['help'], { cwd: dir });
    expectCode(r, 0);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toMatch(/no deployfile/);
    expect(r.stdout).toBe((await dplRun(['--help'], { cwd: dir })).stdout);
  });

  it('`dpl help deploy.release` describes the task and its arguments, like -d', async () => {
    const dir = tempProject(RELEASE_DEPLOYFILE);
    const r = await dplRun(['help', 'deploy.release'], { cwd: dir });
    expectCode(r, 0);
    expect(r.stdout).toMatch(/^deploy\.release — Deploy a ref as a new release on every host/);
    expect(r.stdout).toMatch(/^ {4}ref \(string, optional\): stable, latest, a tag/m);
    expect(r.stdout).toBe((await dplRun(['-d', 'deploy.release'], { cwd: dir })).stdout);
    // With a deployfile, `dpl help` alone is still the general help.
    expectCode(await dplRun(['help'], { cwd: dir }), 0);
  });

  it('`dpl help SUBCOMMAND` is its usage; a built-in task needs no deployfile; an unknown one is exit 2', async () => {
    const dir = tempDir('dpl-help-');
    const init = await dplRun(['help', 'init'], { cwd: dir });
    expectCode(init, 0);
    expect(init.stdout).toMatch(/^usage: dpl init /);
    const host = await dplRun(['help', 'host'], { cwd: dir });
    expectCode(host, 0);
    expect(host.stdout).toMatch(/^host — Run the following tasks on these hosts/);
    const nope = await dplRun(['help', 'deploy.release'], { cwd: dir });
    expectCode(nope, 2);
    expect(nope.stderr).toMatch(/unknown task "deploy\.release"/);
    expect(nope.stderr).toMatch(/no deployfile\.ts here or above: only the built-in tasks are known/);
    writeFileSync(join(dir, 'deployfile.ts'), RELEASE_DEPLOYFILE);
    const typo = await dplRun(['help', 'deploy.relase'], { cwd: dir });
    expectCode(typo, 2);
    expect(typo.stderr).toMatch(/did you mean "deploy\.release"/);
  });
});
