#!/usr/bin/env node
// Circular imports among a tree of TypeScript files (default: src/). A cycle makes
// load order decide what a module sees (a class still undefined at import time),
// and the bundle's chunks follow it. Counted: static imports, side-effect imports
// and re-exports between relative paths. Not counted: `import type`/`export type`,
// imports whose every name is marked `type` (tsc drops them), dynamic import()
// (it runs later, when every module has loaded) and `declare module` augmentations.
//
//   node scripts/check-cycles.mjs [dir] [--allow FILE] [--types] [--dynamic]
//
// Prints each cycle as a path, `src/a.ts → src/b.ts → src/a.ts`, one per import
// that takes part in one, and exits 1 if there are any. --allow FILE lists known
// cycles in that same form (one a line, `#` comments; any rotation matches): they
// are printed but pass, so CI can fail on new cycles while old ones are fixed;
// entries that no longer occur are reported so the list only shrinks. --types and
// --dynamic count type-only imports and import() too: what a cycle would become if
// they turned into static imports. Exit 2: bad usage.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** TypeScript's parser, loaded after the arguments are checked (it takes a second). */
let ts;

const ARROW = ' → ';
const USAGE = 'usage: node scripts/check-cycles.mjs [dir] [--allow FILE] [--types] [--dynamic]\n';

function usage(message) {
  process.stderr.write(`check-cycles: ${message}\n${USAGE}`);
  process.exit(2);
}

function parseArgs(argv) {
  let dir;
  let allow;
  const count = { types: false, dynamic: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--allow') {
      allow = argv[++i];
      if (!allow) usage('--allow needs a file');
    } else if (a === '--types' || a === '--dynamic') {
      count[a.slice(2)] = true;
    } else if (a === '-h' || a === '--help') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else if (dir) usage(`one directory only (got ${dir} and ${a})`);
    else dir = a;
  }
  dir ??= 'src';
  if (!existsSync(dir) || !statSync(dir).isDirectory()) usage(`no directory ${dir}`);
  if (allow !== undefined && !existsSync(allow)) usage(`no allowlist file ${allow}`);
  return { dir, allow, count };
}

function tsFiles(dir) {
  const out = [];
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    if (d.isDirectory()) {
      if (d.name !== 'node_modules') out.push(...tsFiles(p));
    } else if (/\.(c|m)?ts$/.test(d.name) && !d.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Module specifiers a file loads when it loads (see the header for what counts; `count` adds types, import()). */
function imports(file, count = {}) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const specs = [];
  const typesOnly = (elements) => elements.length > 0 && elements.every((e) => e.isTypeOnly);
  for (const st of source.statements) {
    if (ts.isImportDeclaration(st)) {
      const clause = st.importClause;
      const named = clause?.namedBindings;
      const types = clause && (clause.isTypeOnly || (!clause.name && named && ts.isNamedImports(named) && typesOnly(named.elements)));
      if (!types || count.types) specs.push(st.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(st) && st.moduleSpecifier) {
      const named = st.exportClause;
      const types = st.isTypeOnly || (named && ts.isNamedExports(named) && typesOnly(named.elements));
      if (!types || count.types) specs.push(st.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(st) && ts.isExternalModuleReference(st.moduleReference) && (!st.isTypeOnly || count.types)) {
      specs.push(st.moduleReference.expression.text);
    }
  }
  if (count.dynamic) {
    const visit = (node) => {
      const [arg] = ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword ? node.arguments : [];
      if (arg && ts.isStringLiteralLike(arg)) specs.push(arg.text);
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return specs;
}

/** The file a relative specifier names (`./a.js` is `./a.ts` on disk), if it is one of ours. */
function resolveSpec(from, spec, known) {
  if (!spec.startsWith('./') && !spec.startsWith('../')) return undefined;
  const base = resolve(dirname(from), spec);
  const candidates = [base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), base.replace(/\.cjs$/, '.cts'), base, `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((c) => known.has(c));
}

/** Strongly connected components (Tarjan, iterative: deep import chains would overflow the stack). */
function components(nodes, edges) {
  const index = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const out = [];
  let next = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work = [[root, 0]];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    onStack.add(root);
    while (work.length) {
      const frame = work.at(-1);
      const [v, i] = frame;
      const targets = edges.get(v);
      if (i < targets.length) {
        frame[1]++;
        const w = targets[i];
        if (!index.has(w)) {
          index.set(w, next);
          low.set(w, next++);
          stack.push(w);
          onStack.add(w);
          work.push([w, 0]);
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work.at(-1)[0];
        low.set(parent, Math.min(low.get(parent), low.get(v)));
      }
      if (low.get(v) === index.get(v)) {
        const comp = [];
        let w;
        do {
          w = stack.pop();
          onStack.delete(w);
          comp.push(w);
        } while (w !== v);
        out.push(comp);
      }
    }
  }
  return out;
}

/** Shortest path from `from` to `to` inside `members` (breadth first, neighbours in sorted order). */
function shortestPath(from, to, members, edges) {
  const prev = new Map([[from, undefined]]);
  const queue = [from];
  while (queue.length) {
    const v = queue.shift();
    if (v === to) break;
    for (const w of edges.get(v)) {
      if (members.has(w) && !prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  const path = [];
  for (let v = to; v !== undefined; v = prev.get(v)) path.unshift(v);
  return path;
}

/** A cycle as a string that does not depend on where it starts: rotated to its smallest file. */
function canonical(names) {
  const ring = names.at(0) === names.at(-1) ? names.slice(0, -1) : names;
  let best = 0;
  for (let i = 1; i < ring.length; i++) if (ring[i] < ring[best]) best = i;
  const rotated = [...ring.slice(best), ...ring.slice(0, best)];
  return [...rotated, rotated[0]].join(ARROW);
}

/** One cycle per import that takes part in any: the import u → v, then the shortest way back from v to u. */
function findCycles(dir, count = {}) {
  const files = tsFiles(dir).map((f) => resolve(f)).sort();
  const known = new Set(files);
  const edges = new Map();
  for (const f of files) {
    const targets = new Set();
    for (const spec of imports(f, count)) {
      const t = resolveSpec(f, spec, known);
      if (t) targets.add(t);
    }
    edges.set(f, [...targets].sort());
  }
  const name = (f) => join(dir, relative(resolve(dir), f));
  const cycles = new Set();
  for (const comp of components(files, edges)) {
    const members = new Set(comp);
    for (const u of [...comp].sort()) {
      for (const v of edges.get(u)) {
        if (!members.has(v)) continue;
        const back = u === v ? [u] : shortestPath(v, u, members, edges);
        cycles.add(canonical([u, ...back].map(name)));
      }
    }
  }
  return [...cycles].sort();
}

function readAllowlist(file) {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean)
    .map((l) => canonical(l.split(/\s*(?:→|->)\s*/)));
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const { dir, allow, count } = parseArgs(process.argv.slice(2));
  ts = (await import('typescript').catch(() => usage('needs the typescript package (a devDependency: npm ci)'))).default;
  const cycles = findCycles(dir, count);
  const allowed = new Set(allow ? readAllowlist(allow) : []);
  const fresh = cycles.filter((c) => !allowed.has(c));
  const known = cycles.filter((c) => allowed.has(c));
  const gone = [...allowed].filter((c) => !cycles.includes(c));
  for (const c of fresh) process.stdout.write(`${c}\n`);
  for (const c of known) process.stdout.write(`allowed: ${c}\n`);
  for (const c of gone) process.stdout.write(`fixed (remove it from ${allow}): ${c}\n`);
  const files = new Set(fresh.flatMap((c) => c.split(ARROW)));
  if (fresh.length) process.stdout.write(`${fresh.length} circular import${fresh.length === 1 ? '' : 's'} among ${files.size} files under ${dir}\n`);
  else process.stdout.write(`no circular imports under ${dir}${known.length ? ` beyond the ${known.length} allowed` : ''}\n`);
  process.exit(fresh.length ? 1 : 0);
}
