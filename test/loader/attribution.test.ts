// Issue #17 finding 3: an error thrown by the user's deployfile code is the
// deployfile's, not dpl's: reported as deployfile.ts:LINE:COL with the source
// line and a caret, and -v maps the stack to deployfile.ts (never .dpl/cache).
// Whose code it is comes from the stack (its top frame, past node's and
// third-party packages' frames), not from the error's class: dpl's own bugs
// stay "internal error … report it".
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dpl, project } from '../helpers/cli.js';
import { describeBed } from '../support/bed.js';

const LOAD_TYPEERROR = `import { deployfile, task } from 'dpl-deploy';

const settings: any = undefined;
const port = settings.port;

export default deployfile({ tasks: { hi: task({ run: 'local' }, () => {}) } });
`;

const TASK_TYPEERROR = `import { deployfile, task } from 'dpl-deploy';

export default deployfile({
  tasks: {
    hi: task({ run: 'local' }, async (c) => {
      const cfg: any = undefined;
      await c.local('echo ' + cfg.port);
    }),
  },
});
`;

function noInternal(stderr: string): void {
  expect(stderr).not.toMatch(/internal error/);
  expect(stderr).not.toMatch(/report it/);
}

describe("errors from the user's deployfile are the deployfile's", () => {
  it('a TypeError while the deployfile loads: deployfile.ts:LINE:COL, the source line and a caret, exit 2', () => {
    const r = dpl(['--list'], { cwd: project(LOAD_TYPEERROR) });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^dpl: error: deployfile\.ts:4:23: TypeError: Cannot read properties of undefined \(reading 'port'\)$/m);
    expect(r.stderr).toContain('\n    const port = settings.port;\n                          ^\n');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    noInternal(r.stderr);
  });

  it('a TypeError in a task body: deployfile.ts:LINE:COL with the source line, exit 1, not an internal error', () => {
    const r = dpl(['hi'], { cwd: project(TASK_TYPEERROR) });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/\[local\] failed: deployfile\.ts:7:35: TypeError: Cannot read properties of undefined \(reading 'port'\)/);
    expect(r.stderr).toMatch(/^dpl: error: deployfile\.ts:7:35: TypeError: Cannot read properties of undefined \(reading 'port'\)$/m);
    expect(r.stderr).toContain("\n    await c.local('echo ' + cfg.port);\n                                ^\n");
    expect(r.stderr).not.toMatch(/^\s+at /m);
    noInternal(r.stderr);
  });

  it('a project whose path has parentheses and spaces ("my app (old)") is attributed all the same', () => {
    const dir = join(project(TASK_TYPEERROR), 'my app (old)');
    mkdirSync(dir);
    writeFileSync(join(dir, 'deployfile.ts'), TASK_TYPEERROR);
    const r = dpl(['hi'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^dpl: error: deployfile\.ts:7:35: TypeError: Cannot read properties of undefined \(reading 'port'\)$/m);
    noInternal(r.stderr);
  });

  it('-v: the stack is mapped to deployfile.ts, at load and in a task body', () => {
    for (const [source, args] of [
      [LOAD_TYPEERROR, ['-v', '--list']],
      [TASK_TYPEERROR, ['-v', 'hi']],
    ] as const) {
      const dir = project(source);
      const r = dpl([...args], { cwd: dir });
      expect(r.stderr).toMatch(/^TypeError: Cannot read properties of undefined/m);
      const frames = r.stderr.split('\n').filter((l) => /^\s+at /.test(l));
      expect(frames[0]).toContain(`${join(dir, 'deployfile.ts')}:${source === LOAD_TYPEERROR ? '4:23' : '7:35'}`);
      expect(r.stderr).not.toContain('.dpl/cache');
    }
  });

  it('an Error thrown in a file the deployfile imports is reported at that file', () => {
    const dir = project(
      `import { deployfile, task } from 'dpl-deploy';\nimport { hosts } from './lib/inventory';\nexport default deployfile({ hosts: hosts(), tasks: {} });\n`,
    );
    mkdirSync(join(dir, 'lib'));
    writeFileSync(join(dir, 'lib/inventory.ts'), `export function hosts(): Record<string, string> {\n  throw new Error('inventory service said no');\n}\n`);
    const r = dpl(['--list'], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^dpl: error: lib\/inventory\.ts:2:9: inventory service said no$/m);
    expect(r.stderr).toContain("\n    throw new Error('inventory service said no');\n          ^\n");
  });

  it("a throw from a package the deployfile calls is the deployfile's, at the deployfile's line", () => {
    const dir = project(`import { deployfile, task } from 'dpl-deploy';
import { parse } from 'strict-parse';

export default deployfile({
  tasks: {
    hi: task({ run: 'local' }, () => {
      parse('{oops');
    }),
  },
});
`);
    mkdirSync(join(dir, 'node_modules/strict-parse'), { recursive: true });
    writeFileSync(join(dir, 'node_modules/strict-parse/package.json'), JSON.stringify({ name: 'strict-parse', type: 'module', exports: './index.js' }));
    writeFileSync(join(dir, 'node_modules/strict-parse/index.js'), `export function parse(text) {\n  return JSON.parse(text);\n}\n`);
    const r = dpl(['hi'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^dpl: error: deployfile\.ts:7:7: SyntaxError: /m);
    noInternal(r.stderr);
  });

  it('a task that throws a string fails as the task\'s, exit 1, with how to get its line', () => {
    const r = dpl(['hi'], { cwd: project(`import { deployfile, task } from 'dpl-deploy';\nexport default deployfile({ tasks: { hi: task({ run: 'local' }, () => { throw 'oops'; }) } });\n`) });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^dpl: error: hi threw "oops"$/m);
    expect(r.stderr).toMatch(/^dpl: hint: throw new Error\(\.\.\.\) to see the line it came from$/m);
    noInternal(r.stderr);
  });

  it('a TypeError inside dpl\'s own code stays "internal error … report it"', () => {
    // c.put with no paths: dpl's transfer code reads undefined. dpl should have
    // refused the arguments, so it is dpl's bug: the top frame is dpl's.
    const dir = project(`import { deployfile, task } from 'dpl-deploy';
export default deployfile({ tasks: { hi: task({ run: 'local' }, async (c) => { await c.put(undefined as any, undefined as any); }) } });
`);
    const r = dpl(['hi'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^dpl: internal error: Cannot read properties of undefined/m);
    expect(r.stderr).toMatch(/report it/);
  });
});

describeBed('a task that fails on real hosts', (bed) => {
  it('lists each host with the deployfile line', () => {
    const dir = project(`import { deployfile, task } from 'dpl-deploy';
export default deployfile({
  tasks: {
    hi: task({ run: 'parallel' }, async (c) => {
      const r = await c.run('uname -n');
      const fields: Record<string, string[]> = {};
      c.log(fields[r.stdout.trim()]!.join(','));
    }),
  },
});
`);
    const r = dpl(['-F', bed.configFile, '--known-hosts', bed.knownHostsFile, '-H', 'web-0,web-1', 'hi'], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toMatch(/hi failed on 2 hosts:/);
    for (const h of ['web-0', 'web-1']) {
      expect(r.stderr).toMatch(new RegExp(`- ${h}: deployfile\\.ts:7:38: TypeError: Cannot read properties of undefined \\(reading 'join'\\)`));
    }
    noInternal(r.stderr);
  });
});
