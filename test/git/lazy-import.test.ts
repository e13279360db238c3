// tasks.ts is imported by every deployfile that uses the git tasks, so `dpl --list`
// must not pay for simple-git, semver or ini: only `await import()` may reach them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitTasks } from '../../src/git/tasks.js';

const SRC = path.resolve(import.meta.dirname, '../../src');
const STATIC = /^\s*import\s+(?!type\b)[^'"]*?from\s+['"]([^'"]+)['"]|^\s*export\s+(?!type\b)[^'"]*?from\s+['"]([^'"]+)['"]/gm;

/** Modules statically loaded by `file`, following relative imports. */
function closure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(STATIC)) {
    const spec = (m[1] ?? m[2])!;
    if (spec.startsWith('.')) closure(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')), seen);
    else seen.add(spec);
  }
  return seen;
}

describe('src/git/tasks.ts', () => {
  it('does not statically import simple-git, semver or ini', () => {
    const loaded = [...closure(path.join(SRC, 'git/tasks.ts'))];
    const heavy = loaded.filter((m) => /^(simple-git|semver|ini)(\/|$)/.test(m));
    expect(heavy).toEqual([]);
    expect(loaded.map((m) => path.relative(SRC, m)).filter((m) => m.startsWith('git/')).sort()).toEqual([
      'git/config.ts',
      'git/describe.ts',
      'git/tasks.ts',
    ]);
  });

  it('builds the three namespaces with local tasks', () => {
    const t = gitTasks({}).tasks;
    expect(Object.keys(t)).toEqual(['hotfix', 'release', 'version']);
    expect(Object.keys(t.hotfix.tasks)).toEqual(['start', 'finish']);
    expect(Object.keys(t.release.tasks)).toEqual(['start', 'finish']);
    expect(Object.keys(t.version.tasks)).toEqual(['show', 'bump', 'resolve']);
    expect(t.version.default).toBe('show');
    for (const ns of [t.hotfix, t.release, t.version]) {
      for (const def of Object.values(ns.tasks)) {
        expect(def.kind).toBe('task');
        if (def.kind === 'task') expect(def.options.run).toBe('local');
      }
    }
  });
});
