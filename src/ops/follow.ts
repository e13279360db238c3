// monitor/logs on one host: `tail -F` the log files and run the follow
// commands side by side until Ctrl-C. Output lines reach the terminal as
// 'output' events (prefixed and coloured per host by the pretty reporter).
// Ctrl-C aborts the run's signal, which these commands (and only these) are
// given, so the transport kills them on every host; the task then ends as a
// success: stopping a monitor is how a monitor ends.
import { opsEvent } from './events.js';
import type { Context } from '../core/context-types.js';
import { CommandTimeoutError, UsageError } from '../core/errors.js';
import { quote, raw, sh, type RawShell } from '../core/quote.js';
import type { NamedService } from './config.js';

const MAX_TIMER_MS = 2_147_483_647;

export interface FollowJob {
  command: string;
  sudo: boolean;
}

export interface FollowOptions {
  /** Lines of history shown first. */
  lines: number;
  /** false: print the last lines and stop. */
  follow: boolean;
  /** Stop (as a success) after this many seconds; unset: until Ctrl-C. */
  forSeconds?: number;
}

export interface FollowResult {
  host: string;
  commands: string[];
  stoppedBy: 'interrupt' | 'time' | 'end';
}

export function tailCommand(files: string[], o: Pick<FollowOptions, 'lines' | 'follow'>): string {
  const paths = files.map(homePath);
  return o.follow ? sh`tail -n ${o.lines} -F ${paths}` : sh`tail -n ${o.lines} ${paths}`;
}

/** `~/x.log` stays relative to the login user's home: the `~` must reach the shell unquoted. */
function homePath(file: string): string | RawShell {
  return file.startsWith('~/') ? raw(`~/${quote(file.slice(2))}`) : file;
}

/** One tail for every log file (per sudo setting, so tail labels the files), plus each follow command. */
export function serviceJobs(services: NamedService[], o: FollowOptions, task: string): FollowJob[] {
  const jobs: FollowJob[] = [];
  for (const sudo of [false, true]) {
    const files = services.filter((s) => !!s.sudo === sudo).flatMap((s) => s.logs);
    if (files.length) jobs.push({ command: tailCommand([...new Set(files)], o), sudo });
  }
  for (const s of services) if (s.follow) jobs.push({ command: s.follow, sudo: !!s.sudo });
  if (jobs.length === 0) {
    throw new UsageError(`${task}: nothing to follow`, {
      code: 'config.invalid',
      hint: services.length
        ? `give ${services.map((s) => s.name).join(', ')} a \`log\` file or a \`follow\` command in opsTasks({ services })`
        : 'configure services in opsTasks({ services: { app: { log: "/var/log/app.log" } } })',
    });
  }
  return jobs;
}

export async function followOnHost(c: Context, jobs: FollowJob[], o: FollowOptions): Promise<FollowResult> {
  const host = c.host.name;
  const commands = jobs.map((j) => j.command);
  const signal = c.session.signal;
  if (signal.aborted) return { host, commands, stoppedBy: 'interrupt' };
  // Following outlives any -T/--command-timeout: the longest timer Node allows
  // (~24.8 days) rather than none, because a command under a timeout is one the
  // ssh transport can kill as a whole process group on Ctrl-C.
  const timeoutMs = o.forSeconds !== undefined ? Math.max(1, Math.round(o.forSeconds * 1000)) : o.follow ? MAX_TIMER_MS : undefined;
  // A first Ctrl-C lets ordinary commands finish; a follower must be told to stop.
  const options = { timeoutMs, signal };
  const settled = await Promise.allSettled(jobs.map((j) => (j.sudo ? c.sudo(j.command, options) : c.run(j.command, options))));
  if (signal.aborted) {
    opsEvent(c, 'ops.stopped', { host: c.isLocal ? undefined : host });
    return { host, commands, stoppedBy: 'interrupt' };
  }
  let timedOut = false;
  for (const r of settled) {
    if (r.status === 'fulfilled') continue;
    if (o.forSeconds !== undefined && r.reason instanceof CommandTimeoutError) {
      timedOut = true;
      continue;
    }
    throw r.reason;
  }
  return { host, commands, stoppedBy: timedOut ? 'time' : 'end' };
}

/** One hint per run, however many hosts follow. */
export function announce(c: Context, what: string, o: FollowOptions): void {
  if (c.session.get('ops.follow.announced')) return;
  c.session.set('ops.follow.announced', true);
  opsEvent(c, 'ops.follow', { what, follow: o.follow, forSeconds: o.forSeconds });
}
