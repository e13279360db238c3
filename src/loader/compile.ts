// Compiles a deployfile (and the local .ts files it imports) into one ESM file
// with esbuild, cached under <project>/.dpl/cache keyed by the inputs' mtimes and
// sizes. The import of 'dpl-deploy' is pointed at the running dpl, so a global
// install works without a local one. On a cache hit esbuild is not even loaded.
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { API_FILE } from '../paths.js';
import { DeployfileError } from '../core/errors.js';

export const PACKAGE_NAME = 'dpl-deploy';

interface Manifest {
  api: string;
  output: string;
  inputs: Record<string, string>;
}

function stamp(path: string): string {
  try {
    const s = statSync(path);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return 'missing';
  }
}

export async function compileDeployfile(file: string): Promise<string> {
  const root = dirname(file);
  const cacheDir = join(root, '.dpl', 'cache');
  const manifestPath = join(cacheDir, `${basename(file)}.json`);
  const cached = readManifest(manifestPath);
  if (
    cached &&
    cached.api === API_FILE &&
    Object.entries(cached.inputs).every(([p, s]) => stamp(resolve(root, p)) === s) &&
    stamp(cached.output) !== 'missing'
  ) {
    return cached.output;
  }
  return build(file, root, cacheDir, manifestPath);
}

function readManifest(path: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

async function build(file: string, root: string, cacheDir: string, manifestPath: string): Promise<string> {
  const esbuild = await import('esbuild');
  let result;
  try {
    result = await esbuild.build({
      entryPoints: [file],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      absWorkingDir: root,
      plugins: [runningDpl],
      sourcemap: 'inline',
      sourcesContent: false,
      metafile: true,
      logLevel: 'silent',
      define: { 'import.meta.dirname': JSON.stringify(root), 'import.meta.filename': JSON.stringify(file) },
    });
  } catch (e) {
    throw compileError(e, root);
  }
  const output = join(cacheDir, `${basename(file, '.ts')}.${Date.now().toString(36)}.mjs`);
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(output, result.outputFiles[0]!.text);
  const previous = readManifest(manifestPath)?.output;
  if (previous && previous !== output) rmSync(previous, { force: true });
  const inputs: Record<string, string> = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const abs = resolve(root, input);
    if (abs.includes('/node_modules/')) continue;
    inputs[relative(root, abs)] = stamp(abs);
  }
  const tmp = `${manifestPath}.${process.pid}`;
  writeFileSync(tmp, JSON.stringify({ api: API_FILE, output, inputs } satisfies Manifest));
  renameSync(tmp, manifestPath);
  return output;
}

/** `import ... from 'dpl-deploy'` → the API module of the dpl that is running. */
const runningDpl = {
  name: 'dpl-running-api',
  setup(b: { onResolve: (o: { filter: RegExp }, cb: () => { path: string; external: boolean }) => void }) {
    b.onResolve({ filter: new RegExp(`^${PACKAGE_NAME}$`) }, () => ({ path: pathToFileURL(API_FILE).href, external: true }));
  },
};

function compileError(e: unknown, root: string): DeployfileError {
  const errors = (e as { errors?: Array<{ text: string; location?: { file: string; line: number; column: number; lineText: string } }> }).errors;
  if (!errors?.length) return new DeployfileError(`deployfile does not compile: ${(e as Error).message}`, { code: 'deployfile.compile' });
  const lines = errors.slice(0, 5).map((err) => {
    const loc = err.location;
    if (!loc) return err.text;
    const where = `${relative(process.cwd(), resolve(root, loc.file)) || loc.file}:${loc.line}:${loc.column + 1}`;
    return `${where}: ${err.text}\n    ${loc.lineText.trim()}`;
  });
  return new DeployfileError(`deployfile does not compile:\n${lines.join('\n')}`, { code: 'deployfile.compile' });
}
