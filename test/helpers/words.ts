// What the terminal would say for typed events: each rendered through the reporters'
// one table (src/reporters/format), without colour or level words.
import { Chalk } from 'chalk';
import type { DplEvent, EventType } from '../../src/core/events.js';
import { FORMATS, type Format, type FormatContext, type Level } from '../../src/reporters/format/index.js';
import { plainLines } from '../../src/reporters/format/plain.js';
import { schemaError } from '../schema/validate.js';

export interface WordsOptions {
  /** Only the lines at this level (debug ones are included otherwise). */
  level?: Level;
  /** `[host] ` before a host's lines (default true). */
  tags?: boolean;
}

/** The lines `events` print, one string per line. */
export function wordsOf(events: readonly DplEvent[], o: WordsOptions = {}): string[] {
  const tag = (host: string | undefined): string => (host && o.tags !== false ? `[${host}] ` : '');
  const f: FormatContext = {
    c: new Chalk({ level: 0 }),
    quiet: false,
    verbose: true,
    dryRun: false,
    interrupted: false,
    tag,
    line: (host, level, text) => (o.level && level !== o.level ? undefined : tag(host) + text),
  };
  // At one level: only what the formats word through `line` (a task's header has no level).
  if (o.level) return events.flatMap((e) => plainLines(e).filter((l) => l.level === o.level).flatMap((l) => (tag(l.host) + l.text).split('\n')));
  return events.flatMap((e) => {
    const format = FORMATS[e.type] as Format<EventType> | undefined;
    if (!format) throw new Error(`no format for event type ${e.type}`);
    return format(e, f)?.split('\n') ?? [];
  });
}

/** The lines of an area: its typed events (`rollout.*`) and its 'log' lines (topic `rollout`). */
export function areaLines(events: readonly DplEvent[], area: string, o: WordsOptions = {}): string[] {
  return wordsOf(events.filter((e) => e.type.startsWith(`${area}.`) || (e.type === 'log' && e.topic === area)), o);
}

/** Every warning line, without host tags (typed events and 'log' lines alike). */
export function warningsOf(events: readonly DplEvent[]): string[] {
  return wordsOf(events, { level: 'warn', tags: false });
}

/** One rendered line with where it came from: `topic` is a 'log' line's topic, else the event's type. */
export interface SaidLine {
  type: EventType;
  topic?: string;
  host?: string;
  level: Level;
  message: string;
}

const CORE = new Set(['run', 'task', 'host', 'command', 'transfer', 'output']);

/** What the domain said (not the executor's task/command/output lines), line by line, with host and level. */
export function saidLines(events: readonly DplEvent[]): SaidLine[] {
  return events
    .filter((e) => e.type === 'log' || !CORE.has(e.type.split('.')[0]!))
    .flatMap((e) => plainLines(e).map((l) => ({ type: e.type, topic: e.type === 'log' ? e.topic : e.type, host: l.host, level: l.level, message: l.text })));
}

/** Events that do not fit the published schema (schema/events.v1.json), with why: [] when all fit. */
export function offSchema(events: readonly DplEvent[]): string[] {
  return events.flatMap((e) => {
    const error = schemaError(JSON.parse(JSON.stringify(e)));
    return error ? [`${e.type}: ${error}`] : [];
  });
}
