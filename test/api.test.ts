// What a deployfile imports must carry its types to the deployfiles users copy:
// deployfile.example.ts, `dpl init`'s starter and the README's deployfile type-check against src/api.ts with
// no cast and no `any` (issue #15), and a wrong host variable is caught.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { starterDeployfile } from '../src/cli/commands/starter.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const EXAMPLE = path.join(ROOT, 'deployfile.example.ts');
const dir = mkdtempSync(path.join(tmpdir(), 'dpl-api-types-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `tsc --noEmit` on `files`, with `dpl-deploy` resolved to the source; exit code and output. */
function tsc(files: string[]): { code: number; out: string } {
  const config = path.join(dir, `tsconfig-${files.length}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      extends: path.join(ROOT, 'tsconfig.json'),
      compilerOptions: { noEmit: true, rootDir: '/', baseUrl: ROOT, paths: { 'dpl-deploy': ['./src/api.ts'] }, typeRoots: [path.join(ROOT, 'node_modules/@types')] },
      include: [],
      files,
    }),
  );
  try {
    const out = execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', config], { encoding: 'utf8' });
    return { code: 0, out };
  } catch (e) {
    const err = e as { status: number; stdout: string };
    return { code: err.status, out: err.stdout };
  }
}

/** Casts and `any` outside comments: `as const` is a literal type, not a cast. */
function loosenings(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
  return [...code.matchAll(/\bas\s+(?!const\b)[A-Za-z_{[(]|:\s*any\b|<any\b|\bany\[\]/g)].map((m) => m[0]);
}

describe('the deployfiles users start from type-check (tsc --noEmit)', () => {
  writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  const starters = [true, false].map((withOps) => {
    const file = path.join(dir, `starter-${withOps ? 'ops' : 'plain'}.ts`);
    writeFileSync(file, starterDeployfile({ withOps, hosts: [{ name: 'web-0', spec: 'deploy@10.0.0.5' }, { name: 'web-1', spec: 'web-1.example.com' }] }));
    return file;
  });

  // The README's deployfile, as a newcomer copies it.
  const readme = path.join(dir, 'readme-deployfile.ts');
  const block = /## The deployfile[\s\S]*?```ts\n([\s\S]*?)```/.exec(readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
  writeFileSync(readme, block?.[1] ?? '');

  it("deployfile.example.ts, both starters and the README's deployfile, with no cast and no any", { timeout: 120_000 }, () => {
    expect(block?.[1]).toMatch(/export default deployfile/);
    const r = tsc([EXAMPLE, ...starters, readme]);
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
    for (const f of [EXAMPLE, ...starters, readme]) expect(loosenings(readFileSync(f, 'utf8')), f).toEqual([]);
  });

  it('the example types its host variables: misusing one is a type error', { timeout: 120_000 }, () => {
    const bad = path.join(dir, 'bad-example.ts');
    const source = readFileSync(EXAMPLE, 'utf8').replace("import.meta.dirname}/.dpl", "import.meta.dirname}/nowhere/.dpl");
    const wrong = source.replace('const services = c.host.vars.services ?? [];', 'const services: number = c.host.vars.services ?? [];');
    expect(wrong).not.toBe(source);
    writeFileSync(bad, wrong.replace("choices: ['all', 'in', 'out']", "choices: ['all', 'in', 'sideways']"));
    const r = tsc([bad]);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/bad-example\.ts\(\d+,\d+\): error TS2322: Type 'string\[\]' is not assignable to type 'number'/);
    // `choices` narrows the argument: 'sideways' is not a group HAProxy knows.
    expect(r.out).toMatch(/Argument of type '"in" \| "sideways"' is not assignable/);
  });

  it('finds a cast or an any when there is one', () => {
    expect(loosenings('const a = x as Foo; // as Bar\nconst b: any = 1;\nconst k = [1] as const;')).toEqual(['as F', ': any']);
  });
});
