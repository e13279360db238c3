// `dpl completion bash|zsh`: scripts that complete options and the task names
// of the deployfile at hand (through `dpl --list --json`). The bash script is
// run in a real bash; zsh is checked as text when no zsh is installed.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DPL_BIN, dplRun, tempProject, expectCode } from '../reporters/support/cli.js';
import { SUBCOMMANDS } from '../../src/cli/commands/table.js';

let dir: string;
let script: string;

beforeAll(async () => {
  dir = tempProject(`
import { deployfile, task, namespace } from 'dpl-deploy';
export default deployfile({
  tasks: {
    deploy: namespace({ stable: task({ desc: 'Deploy "stable": the tag' }, () => {}), latest: task(() => {}) }, { default: 'stable' }),
    uptime: task({ desc: 'uptime' }, () => {}),
  },
});
`);
  mkdirSync(join(dir, 'other'));
  writeFileSync(join(dir, 'other/alt.ts'), `import { deployfile, task } from 'dpl-deploy';\nexport default deployfile({ tasks: { altonly: task(() => {}) } });\n`);
  const r = await dplRun(['completion', 'bash'], { cwd: dir });
  expectCode(r, 0);
  script = r.stdout;
});

/** Run the completion function for a command line (the last word is being completed). */
function complete(words: string[]): string[] {
  const bin = join(dir, 'dpl');
  writeFileSync(bin, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(DPL_BIN)} "$@"\n`, { mode: 0o755 });
  const arr = words.map((w) => `'${w}'`).join(' ');
  const out = execFileSync(
    'bash',
    ['-c', `${script}\nCOMP_WORDS=(${JSON.stringify(bin)} ${arr}); COMP_CWORD=${words.length}; _dpl; printf '%s\\n' "\${COMPREPLY[@]}"`],
    { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } },
  );
  return out.split('\n').filter(Boolean).sort();
}

describe('dpl completion', () => {
  it('bash: completes task names from the deployfile, and the subcommands first', () => {
    // Every subcommand (from the one registry: sandbox and check too), the deployfile's tasks and the built-ins.
    expect(SUBCOMMANDS.map((s) => s.name)).toEqual(expect.arrayContaining(['init', 'check', 'sandbox', 'completion', 'ssh-config']));
    expect(complete([''])).toEqual([...SUBCOMMANDS.map((s) => s.name), 'deploy.latest', 'deploy.stable', 'host', 'role', 'uptime'].sort());
    expect(complete(['de'])).toEqual(['deploy.latest', 'deploy.stable']);
    expect(complete(['prod', 'up'])).toEqual(['uptime']);
  });

  it('bash: completes options, and tasks of the deployfile given with -f', () => {
    expect(complete(['--dry'])).toEqual(['--dry-run']);
    expect(complete(['-f', 'other/alt.ts', 'al'])).toEqual(['altonly']);
    expect(complete(['-H', ''])).toEqual([]);
    expect(complete(['-f', 'oth'])).toEqual(['other']);
    expect(complete(['uptime', '--', ''])).toEqual([]);
  });

  it('zsh: prints a compdef script that asks dpl --list --json', async () => {
    const r = await dplRun(['completion', 'zsh'], { cwd: dir });
    expectCode(r, 0);
    expect(r.stdout).toMatch(/^#compdef dpl\n/);
    expect(r.stdout).toContain('--list --json');
    expect(r.stdout).toContain('compdef _dpl dpl');
    if (spawnSync('zsh', ['--version']).status === 0) {
      expect(spawnSync('zsh', ['-n', '-c', r.stdout]).status).toBe(0);
    }
  });

  it('refuses an unknown shell, and dpl sandbox alone prints its usage', async () => {
    const r = await dplRun(['completion', 'fish'], { cwd: dir });
    expectCode(r, 2);
    expect(r.stderr).toMatch(/no completion for shell "fish"/);
    const s = await dplRun(['sandbox'], { cwd: dir });
    expectCode(s, 2);
    expect(s.stderr).toMatch(/usage: dpl sandbox up \[--hosts N\] \| down \| status/);
  });
});
