// `dpl check` (issue #17, findings 2 and 3): type-checks the deployfile with the
// project's own TypeScript, before anything runs. `c.runn(…)` is found here, not
// when that line runs on a host. Without TypeScript in the project it says so
// and how to add it (exit 2). The projects get TypeScript as a symlink to this
// checkout's node_modules/typescript (what `npm i -D typescript` would put there);
// dpl-deploy is not installed in them unless a test says so: `dpl check` maps it
// to the running dpl's own types.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dplRun, expectCode, tempDir, tempProject } from '../reporters/support/cli.js';

const ROOT = resolve(import.meta.dirname, '../..');

function withTypeScript(dir: string): string {
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules/typescript'), join(dir, 'node_modules/typescript'));
  return dir;
}

const TYPO = `import { deployfile, task } from 'dpl-deploy';

export default deployfile({
  tasks: {
    up: task({ desc: 'uptime' }, async (c) => {
      await c.runn('uptime');
    }),
    disk: task({ args: { path: { default: '/' } } }, async (c, { path }) => {
      const n: number = path;
      await c.run('df -h ' + n);
    }),
  },
});
`;

const CLEAN = `import { deployfile, task, sh } from 'dpl-deploy';

export default deployfile({
  tasks: {
    disk: task({ args: { path: { default: '/' } } }, async (c, { path }) => {
      await c.run(sh\`df -h \${path}\`);
    }),
  },
});
`;

describe('dpl check', () => {
  it('lists c.runn(…) and a type error as file:line: message, exit 1', async () => {
    const dir = withTypeScript(tempProject(TYPO));
    const r = await dplRun(['check'], { cwd: dir });
    expectCode(r, 1);
    expect(r.stdout).toMatch(/^deployfile\.ts:6:15: Property 'runn' does not exist on type 'Context<.*'\. Did you mean 'run'\? \(TS2551\)$/m);
    expect(r.stdout).toMatch(/^deployfile\.ts:9:13: Type 'string' is not assignable to type 'number'\. \(TS2322\)$/m);
    expect(r.stdout).toContain("\n    await c.runn('uptime');\n            ^\n");
    expect(r.stderr).toMatch(/^dpl: error: deployfile\.ts: 2 problems \(TypeScript \d+\.\d+\.\d+\)$/m);
  });

  it('a clean deployfile: exit 0, and says which types it checked against', async () => {
    const dir = withTypeScript(tempProject(CLEAN));
    const r = await dplRun(['check'], { cwd: dir });
    expectCode(r, 0);
    expect(r.stdout).toMatch(/^deployfile\.ts: no problems \(TypeScript \d+\.\d+\.\d+; dpl-deploy: the running dpl's types, not installed in this project\)$/m);
  });

  it("the project's tsconfig.json applies (noUnusedLocals), and an installed dpl-deploy is used", async () => {
    const dir = withTypeScript(tempProject(CLEAN.replace("async (c, { path }) => {", "async (c, { path }) => {\n      const unused = 1;")));
    symlinkSync(ROOT, join(dir, 'node_modules/dpl-deploy'));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, noUnusedLocals: true, skipLibCheck: true }, include: ['deployfile.ts'] }));
    const r = await dplRun(['check'], { cwd: dir });
    expectCode(r, 1);
    expect(r.stdout).toMatch(/^deployfile\.ts:6:13: 'unused' is declared but its value is never read\. \(TS6133\)$/m);
    const ok = await dplRun(['check'], { cwd: withTypeScript(tempProject(CLEAN)) });
    expectCode(ok, 0);
  });

  it('checks the files the deployfile imports, from a subdirectory too', async () => {
    const dir = withTypeScript(tempProject(`import { deployfile } from 'dpl-deploy';\nimport { hosts } from './lib/hosts';\nexport default deployfile({ hosts, tasks: {} });\n`));
    mkdirSync(join(dir, 'lib'));
    writeFileSync(join(dir, 'lib/hosts.ts'), `export const hosts = { 'web-0': 42 };\n`);
    const r = await dplRun(['check'], { cwd: join(dir, 'lib') });
    expectCode(r, 1);
    expect(r.stdout).toMatch(/^\.\.\/deployfile\.ts:3:29: /m);
  });

  it('without TypeScript in the project: says so and how to add it, exit 2', async () => {
    const dir = tempProject(CLEAN);
    const r = await dplRun(['check'], { cwd: dir });
    expectCode(r, 2);
    expect(r.stderr).toMatch(/^dpl: error: dpl check needs TypeScript, and this project has none \(looked for typescript from .*\)$/m);
    expect(r.stderr).toMatch(/^dpl: hint: add it: npm i -D typescript$/m);
  });

  it('without a deployfile: the usual error, exit 2; --help prints its usage', async () => {
    const r = await dplRun(['check'], { cwd: tempDir('dpl-check-') });
    expectCode(r, 2);
    expect(r.stderr).toMatch(/no deployfile\.ts found/);
    expect(r.stderr).toMatch(/create one with `dpl init`/);
    const help = await dplRun(['check', '--help'], { cwd: tempDir('dpl-check-') });
    expectCode(help, 0);
    expect(help.stdout).toMatch(/^usage: dpl check \[-f PATH\]/);
  });
});
