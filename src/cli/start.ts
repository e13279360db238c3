// What the `dpl` process does once its code is loaded, whether node read the
// bundle (bin/dpl.js) or restored it from the start-up snapshot (snapshot.ts).
import { main } from './app.js';

export async function start(argv: string[]): Promise<never> {
  // bin/dpl moved NODE_EXTRA_CA_CERTS aside so node would not parse it at start-up:
  // back for the commands dpl runs (webhook.ts adds it to dpl's own HTTPS requests).
  const extraCa = process.env['DPL_EXTRA_CA_CERTS'];
  if (extraCa !== undefined) {
    process.env['NODE_EXTRA_CA_CERTS'] = extraCa;
    delete process.env['DPL_EXTRA_CA_CERTS'];
  }
  // `dpl ... | head` closes our stdout early: that is the reader's choice, not a crash.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
  const code = await main(argv);
  // Exit explicitly: a half-closed socket must not keep a finished run alive.
  process.exit(code);
}
