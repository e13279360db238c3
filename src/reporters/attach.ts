// Chooses and connects the reporters for a run: pretty (with progress) or json
// on stdout, plus the run log and deploy notifications, which every run gets.
// `flush` waits for what writes asynchronously (webhooks) and closes the log.
import { basename } from 'node:path';
import type { EventBus } from '../core/events.js';
import { PrettyReporter } from './pretty.js';
import { jsonReporter } from './json.js';
import { LiveLine, ProgressReporter } from './progress.js';
import { parseRunLogConfig, RunLog } from './run-log.js';
import { parseNotifyConfig } from '../notify/config.js';
import { Notifier } from '../notify/notifier.js';

export interface ReporterSetup {
  events: EventBus;
  flags: { json: boolean; quiet: boolean; verbose: boolean; dryRun: boolean };
  out: (s: string) => void;
  /** Project root (where .dpl/ lives). */
  root: string;
  /** Deployfile config, for reporters configured there (`notify`, `runLog`, `project`). */
  config: Readonly<Record<string, unknown>>;
  /** What stdout is; defaults to the process's (tests inject). */
  terminal?: TerminalInfo;
}

export interface TerminalInfo {
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
  columns?: () => number;
}

export interface AttachedReporters {
  flush: () => Promise<void>;
  /** Directory of this run's log, when it is written. */
  runLogDir?: string;
}

export function attachReporters(s: ReporterSetup): AttachedReporters {
  // Read the config first: a bad `notify`/`runLog` entry stops the run before anything happens.
  const targets = parseNotifyConfig(s.config.notify);
  const runLogConfig = parseRunLogConfig(s.config.runLog);
  const term = s.terminal ?? { isTTY: !!process.stdout.isTTY, env: process.env, columns: () => process.stdout.columns || 80 };

  let pretty: PrettyReporter | undefined;
  let progress: ProgressReporter | undefined;
  if (s.flags.json) s.events.on(jsonReporter(s.out));
  else {
    const color = term.isTTY && !term.env.NO_COLOR && term.env.TERM !== 'dumb';
    const liveOk = term.isTTY && !term.env.CI && term.env.TERM !== 'dumb' && !s.flags.quiet;
    const live = liveOk ? new LiveLine(s.out, term.columns) : undefined;
    const write = live ? live.print : s.out;
    pretty = new PrettyReporter({
      write,
      color,
      quiet: s.flags.quiet,
      verbose: s.flags.verbose,
      dryRun: s.flags.dryRun,
      deferSummary: targets.length > 0,
    });
    s.events.on(pretty.handle);
    if (!s.flags.quiet) {
      progress = new ProgressReporter({ mode: live ? 'live' : 'plain', write, live, color });
      s.events.on(progress.handle);
    }
  }

  const warn = (message: string): void => s.events.emit('log', { level: 'warn', topic: 'runlog', message });
  // Where output cut from the run log can still be seen: the run log's markers say so.
  const mirror = s.flags.json ? 'json' : s.flags.quiet ? undefined : 'terminal';
  const runLog = runLogConfig === false ? undefined : RunLog.open({ root: s.root, config: runLogConfig, dryRun: s.flags.dryRun, mirror, warn });
  if (runLog) s.events.on(runLog.handle);

  let notifier: Notifier | undefined;
  if (targets.length) {
    const project = typeof s.config.project === 'string' && s.config.project ? s.config.project : basename(s.root);
    notifier = new Notifier(targets, { events: s.events, project, dryRun: s.flags.dryRun });
    s.events.on(notifier.handle);
  }

  return {
    runLogDir: runLog?.dir,
    flush: async () => {
      await notifier?.flush();
      progress?.stop();
      pretty?.finish();
      runLog?.close();
    },
  };
}
