// Entry point of the `dpl` binary.
import { main } from './app.js';

// `dpl ... | head` closes our stdout early: that is the reader's choice, not a crash.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
});

const code = await main(process.argv.slice(2));
// Exit explicitly: a half-closed socket must not keep a finished run alive.
process.exit(code);
