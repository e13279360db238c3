// scripts/check-cycles.mjs on a fixture tree: real cycles (imports, re-exports, a
// side-effect import) fail it; cycles made only of type imports or import() do not,
// unless asked for; an allowlist lets known cycles pass and says when one is gone.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const SCRIPT = resolve(import.meta.dirname, '../../scripts/check-cycles.mjs');
const root = mkdtempSync(join(tmpdir(), 'dpl-cycles-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const FIXTURE: Record<string, string> = {
  // A real cycle of three: a value import, a re-export, a side-effect import.
  'real/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
  'real/b.ts': "export { c as b } from '../real/c.js';\n",
  'real/c.ts': "import './a.js';\nexport const c = 1;\n",
  // A cycle of two through a directory index, written with -> in the allowlist test.
  'pair/index.ts': "import { y } from './y.js';\nexport const x = y + 1;\n",
  'pair/y.ts': "import { x } from './index.js';\nexport const y = 2;\nexport const useX = () => x;\n",
  // Type-only both ways: `import type`, `export type`, and inline `type` names only.
  'types/p.ts': "import type { Q } from './q.js';\nexport { type Q2 } from './q.js';\nexport interface P { q?: Q }\n",
  'types/q.ts': "import { type P } from './p.js';\nexport type { P as P2 } from './p.js';\nexport interface Q { p?: P }\nexport type Q2 = Q;\n",
  // import() one way, a static import back: loaded later, no cycle at load time.
  'lazy/m.ts': "export async function load() { return (await import('./n.js')).n; }\n",
  'lazy/n.ts': "import { load } from './m.js';\nexport const n = load;\n",
  // A package import and a file outside the tree are not followed; comments are not imports.
  'other/o.ts': "import { spawn } from 'node:child_process';\n// import { a } from '../real/a.js';\nexport const o = spawn;\n",
};

function fixture(): string {
  const dir = mkdtempSync(join(root, 'tree-'));
  for (const [path, text] of Object.entries(FIXTURE)) {
    mkdirSync(dirname(join(dir, 'src', path)), { recursive: true });
    writeFileSync(join(dir, 'src', path), text);
  }
  return dir;
}

function check(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const REAL = 'src/real/a.ts → src/real/b.ts → src/real/c.ts → src/real/a.ts';
const PAIR = 'src/pair/index.ts → src/pair/y.ts → src/pair/index.ts';

describe('scripts/check-cycles.mjs', () => {
  it('prints each real cycle as a path and exits 1; type-only and import() cycles are not cycles', () => {
    const r = check(fixture());
    expect(r.code).toBe(1);
    expect(r.stdout.trimEnd().split('\n')).toEqual([PAIR, REAL, '2 circular imports among 5 files under src']);
    expect(r.stdout).not.toMatch(/types\/|lazy\//);
  });

  it('counts type imports and import() when asked, to show what they would become', () => {
    const dir = fixture();
    expect(check(dir, '--types').stdout).toContain('src/types/p.ts → src/types/q.ts → src/types/p.ts');
    const lazy = check(dir, '--dynamic');
    expect(lazy.stdout).toContain('src/lazy/m.ts → src/lazy/n.ts → src/lazy/m.ts');
    expect(lazy.stdout).not.toContain('src/types/');
  });

  it('passes with no cycles', () => {
    const dir = fixture();
    const r = check(dir, 'src/types');
    expect(r).toMatchObject({ code: 0, stdout: 'no circular imports under src/types\n' });
  });

  it('lets allowed cycles pass, in any rotation, and says which allowed ones are gone', () => {
    const dir = fixture();
    writeFileSync(
      join(dir, 'allow.txt'),
      [
        '# known, to be fixed',
        'src/real/b.ts → src/real/c.ts → src/real/a.ts → src/real/b.ts',
        'src/pair/y.ts -> src/pair/index.ts -> src/pair/y.ts',
        'src/old/x.ts → src/old/z.ts → src/old/x.ts  # fixed since',
      ].join('\n'),
    );
    const r = check(dir, '--allow', 'allow.txt');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`allowed: ${REAL}\n`);
    expect(r.stdout).toContain(`allowed: ${PAIR}\n`);
    expect(r.stdout).toContain('fixed (remove it from allow.txt): src/old/x.ts → src/old/z.ts → src/old/x.ts\n');
    expect(r.stdout).toMatch(/no circular imports under src beyond the 2 allowed\n$/);

    // A cycle not on the list still fails.
    writeFileSync(join(dir, 'allow.txt'), `${PAIR}\n`);
    const partly = check(dir, '--allow', 'allow.txt');
    expect(partly.code).toBe(1);
    expect(partly.stdout).toMatch(new RegExp(`^${REAL}$`, 'm'));
  });

  it('refuses bad usage with exit 2', () => {
    const dir = fixture();
    for (const [args, message] of [
      [['--bogus'], /check-cycles: unknown option --bogus/],
      [['nowhere'], /check-cycles: no directory nowhere/],
      [['--allow'], /check-cycles: --allow needs a file/],
      [['--allow', 'missing.txt'], /check-cycles: no allowlist file missing.txt/],
    ] as const) {
      const r = check(dir, ...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
