// Entry of dpl's V8 start-up snapshot (scripts/snapshot.mjs builds it, bin/dpl
// uses it). Every CLI module is loaded and initialised once at build time, so a
// run starts without reading, parsing or linking them (a one-host run: 379 vs
// 417 ms, medians on a 2-core VM). Rule for all bundled modules: nothing may read
// argv, the environment, the cwd or the terminal at module level, or the build
// machine's values would be frozen into the snapshot.
import v8 from 'node:v8';
import * as api from '../api.js';
import { SNAPSHOT_API } from '../loader/import.js';
import { start } from './start.js';
import { wantsVerbose } from './app.js';
// The bundle loads these on demand to keep --list fast. In a snapshot they cost
// nothing to have ready, and every run on hosts needs them.
import './execute.js';
import '../ssh/pool.js';

// The deployfile's `import ... from 'dpl-deploy'` resolves to api-snapshot.mjs,
// which re-exports this very object: one copy of every class, as without a snapshot.
(globalThis as Record<symbol, unknown>)[SNAPSHOT_API] = api;

v8.startupSnapshot.setDeserializeMainFunction(() => {
  // Restored: argv is [node, ...args] (bin/dpl passes `--` before the user's arguments).
  const argv = process.argv.slice(1);
  if (wantsVerbose(argv)) process.stderr.write('dpl: debug: started from the start-up snapshot\n');
  void start(argv);
});
