// What the `dpl` process does once its code is loaded (bin/dpl.js → main.ts).
import { main, wantsVerbose } from './app.js';
import { reportError } from './boundary.js';
import { Secrets } from '../core/secrets.js';

export async function start(argv: string[]): Promise<never> {
  // Before anything can spawn a child: the secret variables leave the environment
  // (children inherit it) and are masked from the first line dpl writes.
  const secrets = new Secrets();
  secrets.takeEnv(process.env);
  // bin/dpl.js, run as a file, moved NODE_EXTRA_CA_CERTS aside so node would not parse it at start-up:
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
  // A throw outside main()'s await (a timer, a stray promise) meets the same boundary, masked, instead of node's printer.
  const crash = (e: unknown): never => process.exit(reportError(e, { verbose: wantsVerbose(argv), writeErr: (s) => void process.stderr.write(s), secrets }));
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  const code = await main(argv, undefined, secrets);
  // Exit explicitly: a half-closed socket must not keep a finished run alive.
  process.exit(code);
}
