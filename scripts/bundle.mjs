// Bundles the CLI and the deployfile API into dist/bundle/ (shared chunks, so
// both use one copy of every class). Fewer, larger files start much faster
// than tsc's many small ones; heavy dependencies stay external and lazy.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist/bundle', { recursive: true, force: true });

await build({
  entryPoints: { main: 'src/cli/main.ts', api: 'src/api.ts', testing: 'src/testing.ts' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Left on disk, loaded when first used.
  external: ['ssh2', 'esbuild', 'simple-git', 'cpu-features', 'semver', 'ini'],
  define: { DPL_BUNDLE: 'true' },
  // Smaller files parse faster; names are kept so -v stack traces stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  // commander is CommonJS: give it a require() inside the ESM bundle.
  banner: { js: "import { createRequire as __dplCreateRequire } from 'node:module'; const require = __dplCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
