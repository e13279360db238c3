// Entry point of the `dpl` binary (bin/dpl.js imports its bundle, dist/bundle/main.js).
import { start } from './start.js';

await start(process.argv.slice(2));
