// Chooses and connects the reporters for a run (pretty or json on stdout).
// Returns `flush` so the CLI can wait for reporters that write asynchronously.
import type { EventBus } from '../core/events.js';
import { PrettyReporter } from './pretty.js';
import { jsonReporter } from './json.js';

export interface ReporterSetup {
  events: EventBus;
  flags: { json: boolean; quiet: boolean; verbose: boolean; dryRun: boolean };
  out: (s: string) => void;
  /** Project root (where .dpl/ lives). */
  root: string;
  /** Deployfile config, for reporters configured there. */
  config: Readonly<Record<string, unknown>>;
}

export function attachReporters(s: ReporterSetup): { flush: () => Promise<void> } {
  if (s.flags.json) s.events.on(jsonReporter(s.out));
  else {
    const color = !!process.stdout.isTTY && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
    s.events.on(new PrettyReporter({ write: s.out, color, quiet: s.flags.quiet, verbose: s.flags.verbose, dryRun: s.flags.dryRun }).handle);
  }
  return { flush: async () => {} };
}
