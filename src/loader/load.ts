// Loads the deployfile's default export. A deployfile that throws while loading
// is reported as file:line and message (mapped through the inline source map).
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DeployfileError } from '../core/errors.js';
import { isDeployfile, type DeployfileDefinition } from '../core/deployfile.js';
import { compileDeployfile } from './compile.js';

export async function loadDeployfile(file: string): Promise<DeployfileDefinition> {
  const compiled = await compileDeployfile(file);
  // Only the deployfile carries a source map, so this costs nothing elsewhere.
  process.setSourceMapsEnabled(true);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(compiled).href)) as { default?: unknown };
  } catch (e) {
    throw new DeployfileError(`deployfile failed while loading: ${where(e, file)}${(e as Error)?.message ?? String(e)}`, {
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

/** "deployfile.ts:12:7: " from the first stack frame inside the deployfile sources. */
function where(e: unknown, file: string): string {
  const stack = (e as Error)?.stack ?? '';
  const base = file.replace(/\.m?ts$/, '');
  for (const line of stack.split('\n')) {
    const m = /\(?((?:file:\/\/)?[^()\s]+\.m?ts):(\d+):(\d+)\)?$/.exec(line.trim());
    if (m && m[1]!.replace('file://', '').startsWith(base.slice(0, base.lastIndexOf('/')))) {
      const path = m[1]!.replace('file://', '');
      return `${relative(process.cwd(), path) || path}:${m[2]}:${m[3]}: `;
    }
  }
  return '';
}
