// `dpl report [RUN] [-o FILE]`: one self-contained HTML page from a run's log
// (.dpl/logs/<run>/events.jsonl): per-host timeline, rollout batches and bake
// samples, traffic changes, outcome. Prints the page's path. Reads no deployfile:
// the logs are found under the project root (the directory of the deployfile
// here or in a parent, else here); --logs DIR for a config.runLog.dir elsewhere.
import { dirname, resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { tryFindDeployfile } from '../../loader/find.js';
import { logsDirOf } from '../../reporters/run-log.js';
import type { Io } from '../io.js';

const USAGE = `usage: dpl report [RUN] [-o FILE] [--logs DIR]

Writes one self-contained HTML page (no network needed to view it) from a run's
log: each host's steps on a timeline, the rollout's batches and bake samples,
load balancer changes, and how the run ended. RUN is a run directory's name under
.dpl/logs (or a prefix only it has, or "latest"); default: the newest run.
Prints the page's path.

  -o, --output FILE   where to write the page (default .dpl/logs/RUN/report.html)
  --logs DIR          the run logs' directory (default .dpl/logs in the project root)
  -h, --help          this help
`;

export async function runReport(args: string[], io: Io): Promise<number> {
  let run: string | undefined;
  let out: string | undefined;
  let logs: string | undefined;
  const value = (flag: string, v: string | undefined): string => {
    if (v === undefined || v === '') throw new UsageError(`dpl report: ${flag} needs a value`, { hint: 'see `dpl report --help`' });
    return v;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-h' || a === '--help') {
      io.out(USAGE);
      return 0;
    }
    if (a === '-o' || a === '--output') out = value(a, args[++i]);
    else if (a.startsWith('--output=')) out = value('--output', a.slice('--output='.length));
    else if (a === '--logs') logs = value(a, args[++i]);
    else if (a.startsWith('--logs=')) logs = value('--logs', a.slice('--logs='.length));
    else if (a.startsWith('-')) throw new UsageError(`dpl report: unknown option "${a}"`, { hint: 'see `dpl report --help`' });
    else if (run === undefined) run = a;
    else throw new UsageError(`dpl report: one run at a time (got "${run}" and "${a}")`, { hint: 'dpl report [RUN] [-o FILE]' });
  }
  const file = tryFindDeployfile(io.cwd);
  const root = file ? dirname(file) : io.cwd;
  const logsDir = logs ? resolve(io.cwd, logs) : logsDirOf(root, {});
  const { writeReport } = await import('../../report/index.js');
  const written = writeReport(logsDir, { run, out: out === undefined ? undefined : resolve(io.cwd, out) });
  io.out(`${written.path}\n`);
  return 0;
}
