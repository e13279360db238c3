// A module's events are declared by augmenting EventMap in one file of that module.
// A program that compiles an emitter without that file (a deployfile's tsc, which
// starts from the example, not from all of src/) does not know the event: so each
// emitter imports the file that declares what it emits. CI caught this once.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? files(path.join(dir, d.name)) : d.name.endsWith('.ts') ? [path.join(dir, d.name)] : []));
}

describe('module events', () => {
  it('every file that emits an event declared in another file imports that file', () => {
    const all = files(SRC);
    const declaredIn = new Map<string, string>();
    for (const f of all) {
      if (f.endsWith('src/core/events.ts')) continue;
      const block = /declare module '[^']*events\.js' \{([\s\S]*?)\n\}/.exec(readFileSync(f, 'utf8'))?.[1];
      for (const m of block?.matchAll(/^\s{4}'([a-z][\w.-]+)'\??:/gm) ?? []) declaredIn.set(m[1]!, f);
    }
    expect(declaredIn.size).toBeGreaterThan(40);
    const missing: string[] = [];
    for (const f of all) {
      if (f.includes('/src/reporters/')) continue;
      const text = readFileSync(f, 'utf8');
      for (const [event, decl] of declaredIn) {
        if (decl === f) continue;
        const q = event.replace(/\./g, '\\.');
        if (!new RegExp(`(emit|tell)\\(\\s*(\\w+,\\s*)?'${q}'|EventMap\\['${q}'\\]`).test(text)) continue;
        let rel = path.relative(path.dirname(f), decl).replace(/\.ts$/, '.js');
        if (!rel.startsWith('.')) rel = `./${rel}`;
        if (!text.includes(`from '${rel}'`)) missing.push(`${path.relative(SRC, f)} emits ${event} but does not import ${rel}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
