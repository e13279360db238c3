// Issue #17 finding 5: the lines `dpl sandbox up` ends with must work where they
// are printed. In a user's project there is no deployfile.example.ts: the hint
// says how to get the example (`dpl init --example`), and the commands it names
// are run here, as printed, on a real sandbox.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sandboxHint } from '../../src/cli/commands/sandbox-hint.js';
import { dplRun, expectCode, tempDir } from '../reporters/support/cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
const URL = 'http://127.0.30.6:8080/';

describe('the hint at the end of `dpl sandbox up`', () => {
  it('names deployfile.example.ts only where there is one', () => {
    const repo = tempDir('dpl-hint-');
    copyFileSync(join(ROOT, 'deployfile.example.ts'), join(repo, 'deployfile.example.ts'));
    expect(sandboxHint(repo, URL)).toContain('dpl -f deployfile.example.ts prod proxy.status');

    const copied = tempDir('dpl-hint-');
    copyFileSync(join(ROOT, 'deployfile.example.ts'), join(copied, 'deployfile.ts'));
    expect(sandboxHint(copied, URL)).toMatch(/^ {2}dpl prod proxy\.status/m);
    expect(sandboxHint(copied, URL)).not.toContain('example');

    const empty = tempDir('dpl-hint-');
    expect(sandboxHint(empty, URL)).toMatch(/^ {2}dpl init --example +# .*\n {2}dpl prod proxy\.status/m);
    expect(sandboxHint(empty, URL)).not.toContain('deployfile.example.ts');

    const own = tempDir('dpl-hint-');
    writeFileSync(join(own, 'deployfile.ts'), "import { deployfile } from 'dpl-deploy';\nexport default deployfile({ tasks: {} });\n");
    const hint = sandboxHint(own, URL);
    expect(hint).toMatch(/your deployfile\.ts is not dpl's example/);
    // The example is copied in from the installed package, beside the user's own: the file it names is there.
    const cp = /^ {2}cp (\S+) (\S+)$/m.exec(hint)!;
    expect(existsSync(cp[1]!)).toBe(true);
    expect(cp[2]).toBe(join(own, 'deployfile.sandbox.ts'));
    expect(hint).toMatch(/^ {2}dpl -f deployfile\.sandbox\.ts prod proxy\.status$/m);
  });
});

describe("`dpl sandbox up` in a user's empty project", () => {
  const dir = tempDir('dpl-hint-up-');
  chmodSync(dir, 0o755); // the hosts' login user reads the sandbox below it
  afterAll(async () => {
    await dplRun(['sandbox', 'down'], { cwd: dir });
  });

  it('ends with commands that work there, as printed', async () => {
    const up = await dplRun(['sandbox', 'up', '--hosts', '2'], { cwd: dir });
    expectCode(up, 0);
    const tryLines = up.stdout.slice(up.stdout.indexOf('\nTry:\n') + 6).split('\n').filter(Boolean);
    expect(up.stdout).not.toContain('deployfile.example.ts');
    const commands = tryLines.map((l) => l.replace(/#.*$/, '').trim()).filter((l) => l.startsWith('dpl '));
    expect(commands).toEqual(['dpl init --example', 'dpl prod proxy.status']);
    for (const c of commands) {
      const r = await dplRun(c.split(/\s+/).slice(1), { cwd: dir });
      expectCode(r, 0);
    }
    const curl = tryLines.find((l) => l.trim().startsWith('curl '))!;
    const r = spawnSync('sh', ['-c', curl.trim()], { encoding: 'utf8' });
    expect(r.status).toBe(0);
  });
});
