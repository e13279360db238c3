// Finding a run's log and reading it back. A run is a directory under the logs
// dir (`.dpl/logs/<time>-<id>/events.jsonl`, reporters/run-log.ts); the newest
// sorts last. The file may come from another dpl version or a killed run, so
// lines are read loosely: what does not parse is counted, not fatal.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { RUN_DIR } from '../reporters/run-log-files.js';

/** One line of events.jsonl: a type, a time, and whatever that type carries. */
export type LoggedEvent = { type: string; time: string } & Record<string, unknown>;

export interface LoadedRun {
  name: string;
  dir: string;
  events: LoggedEvent[];
  /** Lines that were not an event (a run killed mid-write leaves half a line). */
  skipped: number;
}

/** Run directory names, oldest first. */
export function listRuns(logsDir: string): string[] {
  if (!existsSync(logsDir)) return [];
  return readdirSync(logsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && RUN_DIR.test(d.name))
    .map((d) => d.name)
    .sort();
}

/**
 * The run named `wanted` (its full name, `latest`, or a prefix only it has, e.g.
 * `2026-12-05T22-40`), or the newest without one. A usage error that lists the
 * newest runs when there is no such run.
 */
export function pickRun(logsDir: string, wanted?: string): string {
  const runs = listRuns(logsDir);
  if (!runs.length) {
    throw new UsageError(`no run logs in ${logsDir}`, { code: 'report.not-found', hint: 'run a task or a deploy here first; each run leaves its log there' });
  }
  if (wanted === undefined || wanted === 'latest') return runs[runs.length - 1]!;
  if (runs.includes(wanted)) return wanted;
  const matches = runs.filter((r) => r.startsWith(wanted));
  if (matches.length === 1) return matches[0]!;
  const newest = runs.slice(-5).reverse();
  const what = matches.length ? `${matches.length} runs start with ${JSON.stringify(wanted)}` : `no run ${JSON.stringify(wanted)} in ${logsDir}`;
  throw new UsageError(`${what}; the newest: ${newest.join(', ')}`, { code: 'report.not-found', hint: `dpl report ${newest[0]}` });
}

/** Parse events.jsonl text. */
export function parseEvents(text: string): { events: LoggedEvent[]; skipped: number } {
  const events: LoggedEvent[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as unknown;
      if (isEvent(e)) events.push(e);
      else skipped++;
    } catch {
      skipped++;
    }
  }
  return { events, skipped };
}

export function loadRun(logsDir: string, name: string): LoadedRun {
  const dir = join(logsDir, name);
  const file = join(dir, 'events.jsonl');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`, { code: 'report.not-found' });
  }
  return { name, dir, ...parseEvents(text) };
}

/** Loose readers of an event's fields (the log may come from another dpl version). */
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
export const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function isEvent(e: unknown): e is LoggedEvent {
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return false;
  const r = e as Record<string, unknown>;
  return typeof r['type'] === 'string' && typeof r['time'] === 'string' && !Number.isNaN(Date.parse(r['time']));
}
