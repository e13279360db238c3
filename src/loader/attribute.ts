// Whose error is it? An error thrown by the deployfile's own code (or a project
// file it imports) is the user's: reported as deployfile.ts:LINE:COL with the
// source line, exit 1, never as dpl's "internal error … report it". The stack
// decides, not the error's class: its top frame, past node's own frames and
// third-party packages', must be in a compiled deployfile (its imports are bundled in).
// Frames in the compiled .dpl/cache/*.mjs are mapped back through its inline
// source map here, on the error path only: enabling node's source maps for
// every run costs start-up time.
import { readFileSync } from 'node:fs';
import type { SourceMap } from 'node:module';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DplError } from '../core/errors.js';
import { PACKAGE_ROOT } from '../paths.js';

/** A compiled deployfile: <project>/.dpl/cache/<name>.<id>.mjs (compile.ts writes them there). */
const COMPILED = /[\\/]\.dpl[\\/]cache[\\/][^\\/]+\.mjs$/;
const isCompiled = (path: string | undefined): boolean => !!path && COMPILED.test(path);
/** The project directory of a compiled deployfile: esbuild's sources are relative to it. */
const projectOf = (output: string) => dirname(dirname(dirname(output)));

/** Source maps of compiled deployfiles, read on first need (null: none readable). A lazy cache. */
const maps = new Map<string, SourceMap | null>();

export interface SourceLocation {
  /** Absolute path of the user's source file. */
  file: string;
  /** 1-based, as editors count. */
  line: number;
  column: number;
}

interface Frame {
  text: string;
  /** Where the location is in `text`, to rewrite it. */
  location: string;
  path?: string;
  line: number;
  column: number;
}

function parseFrames(stack: string): Frame[] {
  const frames: Frame[] = [];
  for (const text of stack.split('\n')) {
    if (!/^\s+at /.test(text)) continue;
    // `at fn (LOCATION)` or `at LOCATION`; a path may hold spaces and parentheses ("my app (old)").
    const m = /^\s+at (?:async )?\S.*? \((.+):(\d+):(\d+)\)$/.exec(text) ?? /^\s+at (?:async )?(.+):(\d+):(\d+)$/.exec(text);
    if (!m) {
      frames.push({ text, location: '', line: 0, column: 0 });
      continue;
    }
    frames.push({ text, location: `${m[1]}:${m[2]}:${m[3]}`, path: toPath(m[1]!), line: Number(m[2]), column: Number(m[3]) });
  }
  return frames;
}

function toPath(loc: string): string | undefined {
  if (loc.startsWith('file://')) return fileURLToPath(loc);
  return isAbsolute(loc) ? loc : undefined; // node:internal/..., <anonymous>, native
}

const inside = (dir: string, path: string) => path.startsWith(dir.endsWith(sep) ? dir : dir + sep);

type Owner = 'deployfile' | 'dpl' | 'skip';

function ownerOf(path: string | undefined): Owner {
  if (!path) return 'skip'; // node's own frames
  if (isCompiled(path)) return 'deployfile';
  if (['dist', 'src', 'bin'].some((d) => inside(resolve(PACKAGE_ROOT, d), path))) return 'dpl';
  // A package, or a file the bundle left out (imported at run time, or a test's in-process task): whoever
  // called it decides. The deployfile's imports are bundled into the compiled file, so they are mapped above.
  return 'skip';
}

/** The frame that decides whose error this is: the user's (that frame), dpl's, or unknown (no frame to tell). */
function decidingFrame(e: Error): Frame | 'dpl' | undefined {
  for (const f of parseFrames(e.stack ?? '')) {
    const owner = ownerOf(f.path);
    if (owner === 'skip') continue;
    return owner === 'deployfile' ? f : 'dpl';
  }
  return undefined;
}

/** A frame in a compiled deployfile, mapped to the user's file; other frames as they are. */
function mapFrame(f: Frame): SourceLocation | undefined {
  if (!f.path) return undefined;
  if (!isCompiled(f.path)) return { file: f.path, line: f.line, column: f.column };
  try {
    if (!maps.has(f.path)) maps.set(f.path, inlineSourceMap(f.path));
    const entry = maps.get(f.path)?.findEntry(f.line - 1, f.column - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number } | undefined;
    if (!entry?.originalSource) return undefined;
    const file = entry.originalSource.startsWith('file:') ? fileURLToPath(entry.originalSource) : resolve(projectOf(f.path), entry.originalSource);
    return { file, line: entry.originalLine! + 1, column: entry.originalColumn! + 1 };
  } catch {
    maps.set(f.path, null);
    return undefined;
  }
}

function inlineSourceMap(output: string): SourceMap | null {
  const m = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(readFileSync(output, 'utf8'));
  // Loaded here, on the error path only.
  return m ? new (process.getBuiltinModule('node:module').SourceMap)(JSON.parse(Buffer.from(m[1]!, 'base64').toString('utf8'))) : null;
}

/** The stack with every frame in a compiled deployfile pointing at the user's file. */
export function mappedStack(e: Error): string {
  const stack = e.stack ?? String(e);
  const frames = parseFrames(stack).filter((f) => isCompiled(f.path));
  let out = stack;
  for (const f of frames) {
    const loc = mapFrame(f);
    if (loc) out = out.replace(f.text, f.text.replace(f.location, `${loc.file}:${loc.line}:${loc.column}`));
  }
  return out;
}

export type Whose = { owner: 'user'; at: SourceLocation } | { owner: 'dpl' } | { owner: 'unknown' };

/** Whose code threw `e`: the user's (and where), dpl's own, or unknown (no stack frames to tell, as fs promise errors). */
export function whose(e: unknown): Whose {
  if (!(e instanceof Error)) return { owner: 'unknown' };
  const f = decidingFrame(e);
  if (f === 'dpl') return { owner: 'dpl' };
  const at = f && mapFrame(f);
  return at ? { owner: 'user', at } : { owner: 'unknown' };
}

/** The first frame anywhere in the stack that is in a compiled deployfile (for dpl's own errors raised by a deployfile call). */
export function deployfileLocation(e: unknown): SourceLocation | undefined {
  if (!(e instanceof Error)) return undefined;
  const f = parseFrames(e.stack ?? '').find((f) => isCompiled(f.path));
  return f && mapFrame(f);
}

/** "deployfile.ts:7:35: TypeError: message", then the source line and a caret under the column. */
export function located(loc: SourceLocation, message: string, cwd = process.cwd()): string {
  const where = `${relative(cwd, loc.file) || loc.file}:${loc.line}:${loc.column}`;
  const text = sourceLine(loc);
  if (text === undefined) return `${where}: ${message}`;
  const indent = text.length - text.trimStart().length;
  const before = text.slice(indent, Math.max(indent, loc.column - 1)).replace(/[^\t]/g, ' ');
  return `${where}: ${message}\n    ${text.trim()}\n    ${before}^`;
}

function sourceLine(loc: SourceLocation): string | undefined {
  try {
    return readFileSync(loc.file, 'utf8').split(/\r?\n/)[loc.line - 1];
  } catch {
    return undefined;
  }
}

/** `TypeError: message`; a plain Error is just its message. */
export function nameAndMessage(e: Error): string {
  return e.name && e.name !== 'Error' ? `${e.name}: ${e.message}` : e.message;
}

/** An error thrown by the user's deployfile code while a task ran: a task failure (exit 1), at the user's line. */
export class DeployfileCodeError extends DplError {
  constructor(cause: Error, loc: SourceLocation) {
    super(located(loc, nameAndMessage(cause)), { code: 'deployfile.code', cause, hint: "the error is in the deployfile's code; -v shows its stack" });
    this.stack = mappedStack(cause);
  }
}

/** The user's error as a DeployfileCodeError (at their line); anything else as it came. */
export function attribute(e: unknown): unknown {
  if (e instanceof DplError) return e;
  const w = whose(e);
  return w.owner === 'user' ? new DeployfileCodeError(e as Error, w.at) : e;
}
