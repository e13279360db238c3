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
  const crash = (e: unknown): void => void exitWhenWritten(reportError(e, { verbose: wantsVerbose(argv), writeErr: (s) => void process.stderr.write(s), secrets }));
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  const code = await main(argv, undefined, secrets);
  // Exit explicitly: a half-closed socket must not keep a finished run alive.
  return exitWhenWritten(code);
}

/**
 * Exit once what dpl wrote has left the process: to a pipe whose reader is slower
 * (`dpl deploy | tee log`, a CI log collector) the writes queue, and process.exit()
 * dropped the rest (a reader pausing 2 s got 516 of 20,000 lines).
 */
async function exitWhenWritten(code: number): Promise<never> {
  const written = (s: NodeJS.WriteStream) => new Promise<void>((r) => (s.writableLength === 0 ? r() : s.write('', () => r())));
  await Promise.all([written(process.stdout), written(process.stderr)]);
  process.exit(code);
}
