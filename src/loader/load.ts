// Loads the deployfile's default export. A deployfile that throws while loading
// is reported as file:line and message: the first stack frame in the compiled
// file is mapped back through its inline source map. Source maps are read only
// on that error path (enabling them for every run costs ~15 ms of start-up).
import { readFileSync } from 'node:fs';
import type { SourceMap } from 'node:module';
import { relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DeployfileError } from '../core/errors.js';
import { isDeployfile, type AnyDeployfile } from '../core/deployfile.js';
import { compileDeployfile } from './compile.js';

export async function loadDeployfile(file: string): Promise<AnyDeployfile> {
  const compiled = await compileDeployfile(file);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(compiled).href)) as { default?: unknown };
  } catch (e) {
    throw new DeployfileError(`deployfile failed while loading: ${where(e, compiled, file)}${(e as Error)?.message ?? String(e)}`, {
      cause: e,
    });
  }
  const def = mod.default;
  if (!isDeployfile(def)) {
    throw new DeployfileError(`${relative(process.cwd(), file) || file} must \`export default deployfile({ tasks: { ... } })\``, {
      hint: "import { deployfile, task } from 'dpl-deploy'",
    });
  }
  return def;
}

/** "deployfile.ts:12:7: " for the first stack frame inside the compiled deployfile. */
function where(e: unknown, compiled: string, file: string): string {
  const stack = (e as Error)?.stack ?? '';
  const frame = stack
    .split('\n')
    .map((line) => /((?:file:\/\/)?\/[^():\s]+\.mjs):(\d+):(\d+)\)?$/.exec(line.trim()))
    .find((m) => m && toPath(m[1]!) === compiled);
  if (!frame) return '';
  try {
    const map = inlineSourceMap(compiled);
    const entry = map?.findEntry(Number(frame[2]) - 1, Number(frame[3]) - 1) as
      | { originalSource?: string; originalLine?: number; originalColumn?: number }
      | undefined;
    if (!entry?.originalSource) return '';
    const source = entry.originalSource.startsWith('file:') ? fileURLToPath(entry.originalSource) : resolve(file, '..', entry.originalSource);
    return `${relative(process.cwd(), source) || source}:${entry.originalLine! + 1}:${entry.originalColumn! + 1}: `;
  } catch {
    return '';
  }
}

function toPath(p: string): string {
  return p.startsWith('file:') ? fileURLToPath(p) : p;
}

function inlineSourceMap(compiled: string): SourceMap | undefined {
  const m = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(readFileSync(compiled, 'utf8'));
  return m ? new (process.getBuiltinModule('node:module').SourceMap)(JSON.parse(Buffer.from(m[1]!, 'base64').toString('utf8'))) : undefined;
}
