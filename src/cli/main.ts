// Entry point of the `dpl` binary when node loads the bundle (bin/dpl.js).
import { start } from './start.js';

await start(process.argv.slice(2));
