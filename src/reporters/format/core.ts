// Words for the executor's events: tasks, commands, output, transfers, hosts, the run.
import type { ChalkInstance } from 'chalk';
import type { Formats, EventOf, FormatContext } from './types.js';
import { silent } from './types.js';
import { errorText } from '../error-text.js';

type CoreEvent = 'run.start' | 'run.end' | 'task.start' | 'task.end' | 'host.start' | 'host.end' | 'command.start' | 'command.end' | 'transfer' | 'output' | 'log';

export const coreFormats: Formats<CoreEvent> = {
  'run.start': silent,
  'task.start': (e, f) => (f.quiet ? undefined : f.c.bold(`== ${e.task}`) + f.c.dim(where(e))),
  'task.end': silent,
  'host.start': silent,
  'command.start': (e, f) => (f.quiet ? undefined : f.tag(e.host) + f.c.dim(`${e.kind}: `) + (f.dryRun && e.full ? e.full : e.command)),
  'command.end': (e, f) =>
    f.verbose ? f.tag(e.host) + f.c.dim(`${e.signal ? `killed by ${e.signal}` : `exit ${e.code}`} in ${e.durationMs.toFixed(1)} ms`) : undefined,
  'output': (e, f) => (f.quiet ? undefined : f.tag(e.host) + (e.stream === 'err' ? f.c.red('err: ') : f.c.dim('out: ')) + e.line),
  'transfer': (e, f) =>
    f.quiet
      ? undefined
      : f.tag(e.host) + f.c.dim(`${e.direction}: `) + `${e.local} ${e.direction === 'put' ? '->' : '<-'} ${e.remote} (${e.files} file${e.files === 1 ? '' : 's'}, ${e.bytes} bytes)`,
  'host.end': (e, f) =>
    e.ok || e.skipped || f.quiet ? undefined : f.tag(e.host) + f.c.red(`failed: ${errorText({ message: e.error ?? 'failed' }, { firstLine: true })}`),
  'log': (e, f) => f.line(e.host, e.level, e.message),
  'run.end': (e, f) => summary(e, f),
};

function summary(e: EventOf<'run.end'>, f: FormatContext): string {
  const secs = (e.durationMs / 1000).toFixed(2);
  const touched = e.hostsOk.length + e.hostsFailed.length;
  const hosts = !touched
    ? 'no remote hosts'
    : `${e.hostsOk.length} host${e.hostsOk.length === 1 ? '' : 's'} ok` + (e.hostsFailed.length ? `, ${e.hostsFailed.length} failed (${e.hostsFailed.join(', ')})` : '');
  const word = e.ok ? 'Done' : f.interrupted ? 'Interrupted' : 'Failed';
  const text = `${word}: ${e.tasks} task${e.tasks === 1 ? '' : 's'}, ${hosts}, ${secs}s${f.dryRun ? ' (dry run: no host was touched)' : ''}`;
  return e.ok ? f.c.green(text) : f.interrupted ? f.c.yellow(text) : f.c.red(text);
}

function where(e: EventOf<'task.start'>): string {
  if (e.mode !== 'local') return ` on ${e.hosts.join(', ')} (${e.mode})`;
  return e.orchestrated && e.hosts.length ? ` on ${e.hosts.join(', ')} (orchestrated)` : ' (local)';
}

export function levelText(c: ChalkInstance, level: string): string {
  if (level === 'warn') return c.yellow('warning: ');
  if (level === 'error') return c.red('error: ');
  if (level === 'debug') return c.dim('debug: ');
  return '';
}
