// Entry point of the `dpl` binary.
import { main } from './app.js';

const code = await main(process.argv.slice(2));
// Exit explicitly: a half-closed socket must not keep a finished run alive.
process.exit(code);
