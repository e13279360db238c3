// What the `dpl` process does once its code is loaded, whether node read the
// bundle (bin/dpl.js) or restored it from the start-up snapshot (snapshot.ts).
import { main } from './app.js';

export async function start(argv: string[]): Promise<never> {
  // `dpl ... | head` closes our stdout early: that is the reader's choice, not a crash.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
  const code = await main(argv);
  // Exit explicitly: a half-closed socket must not keep a finished run alive.
  process.exit(code);
}
