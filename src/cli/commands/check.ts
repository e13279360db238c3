// `dpl check [-f PATH]`: type-checks the deployfile (and the files it imports)
// with the project's own TypeScript, resolved from the deployfile's directory:
// the version the project's editor and CI use, not one dpl carries. Problems
// are printed as file:line:col: message, with the source line; exit 1 when
// there are any. The project's tsconfig.json applies when there is one. When
// the project has no dpl-deploy installed, 'dpl-deploy' is pointed at the
// running dpl's own declarations (as `dpl` itself runs the deployfile).
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import type * as TS from 'typescript';
import { DplError, UsageError } from '../../core/errors.js';
import { findDeployfile } from '../../loader/find.js';
import { located } from '../../loader/attribute.js';
import { PACKAGE_ROOT } from '../../paths.js';
import type { Io } from '../io.js';

const USAGE = `usage: dpl check [-f PATH]

Type-checks the deployfile (deployfile.ts here or in a parent, or PATH) and the
files it imports, with the project's TypeScript and its tsconfig.json.
Exit 0: no problems; 1: type errors (listed as file:line:col); 2: no deployfile or no TypeScript.
`;

export async function runCheck(args: string[], io: Io): Promise<number> {
  let explicit: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-h' || a === '--help') {
      io.out(USAGE);
      return 0;
    }
    if (a === '-f' || a === '--deployfile') explicit = args[++i] ?? '';
    else throw new UsageError(`dpl check: unexpected argument "${a}"`, { hint: 'dpl check [-f PATH]' });
  }
  const file = findDeployfile(io.cwd, explicit);
  const ts = projectTypeScript(dirname(file));
  const { options, typesFrom } = compilerOptions(ts, file);
  const program = ts.createProgram({ rootNames: [file], options });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  const name = relative(io.cwd, file) || file;
  const about = `TypeScript ${ts.version}; dpl-deploy: ${typesFrom}`;
  if (!diagnostics.length) {
    io.out(`${name}: no problems (${about})\n`);
    return 0;
  }
  for (const d of diagnostics) io.out(render(ts, d, io.cwd) + '\n');
  const n = diagnostics.length;
  throw new DplError(`${name}: ${n} problem${n === 1 ? '' : 's'} (TypeScript ${ts.version})`, { code: 'check.problems', hint: 'fix them, then `dpl check` again' });
}

function projectTypeScript(dir: string): typeof TS {
  const require = createRequire(join(dir, 'noop.js'));
  let path: string;
  try {
    path = require.resolve('typescript');
  } catch {
    throw new UsageError(`dpl check needs TypeScript, and this project has none (looked for typescript from ${dir})`, { code: 'check.problems', hint: 'add it: npm i -D typescript' });
  }
  return require(path) as typeof TS;
}

/** The project's tsconfig.json (if any) with what bundling as ESM needs filled in where it says nothing. */
function compilerOptions(ts: typeof TS, file: string): { options: TS.CompilerOptions; typesFrom: string } {
  const dir = dirname(file);
  let options: TS.CompilerOptions = {};
  const configPath = ts.findConfigFile(dir, (p) => ts.sys.fileExists(p));
  if (configPath) {
    const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
    if (!parsed) throw new UsageError(`dpl check: cannot read ${configPath}`, { code: 'check.problems', hint: 'run `npx tsc -p .` to see why' });
    if (parsed.errors.length) {
      const first = ts.flattenDiagnosticMessageText(parsed.errors[0]!.messageText, ' ');
      throw new UsageError(`dpl check: ${configPath}: ${first}`, { code: 'check.problems' });
    }
    options = parsed.options;
  } else {
    options = { strict: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022 };
  }
  // The deployfile is bundled as ESM by esbuild: that is how its imports resolve, whatever else the project compiles to.
  if (options.module === undefined && options.moduleResolution === undefined) {
    options = { ...options, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler };
  }
  options = { ...options, noEmit: true, incremental: false, composite: false, declaration: false };
  const installed = ts.resolveModuleName('dpl-deploy', file, options, ts.sys).resolvedModule;
  if (installed) return { options, typesFrom: `installed in this project (${relative(dir, installed.resolvedFileName)})` };
  const own = join(PACKAGE_ROOT, 'dist/api.d.ts');
  return { options: { ...options, paths: { ...options.paths, 'dpl-deploy': [own] } }, typesFrom: "the running dpl's types, not installed in this project" };
}

function render(ts: typeof TS, d: TS.Diagnostic, cwd: string): string {
  const message = `${ts.flattenDiagnosticMessageText(d.messageText, '\n  ')} (TS${d.code})`;
  if (!d.file || d.start === undefined) return message;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return located({ file: d.file.fileName, line: line + 1, column: character + 1 }, message, cwd);
}
