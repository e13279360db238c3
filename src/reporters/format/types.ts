// The shape of the reporters' one table (index.ts): for every event type, the
// words a person reads. Domain modules emit data; only these functions write prose.
import type { ChalkInstance } from 'chalk';
import type { DplEvent, EventMap, EventType } from '../../core/events.js';

export type EventOf<K extends EventType> = Extract<DplEvent, { type: K }>;
export type Level = EventMap['log']['level'];

export interface FormatContext {
  readonly c: ChalkInstance;
  readonly quiet: boolean;
  readonly verbose: boolean;
  readonly dryRun: boolean;
  /** A Ctrl-C came before this event (the summary then says Interrupted). */
  readonly interrupted: boolean;
  /** `[host] ` in the host's colour ('' without a host). */
  tag(host: string | undefined): string;
  /** One line at a level: hidden when -q hides info or debug is not -v; prefixed with the host tag and the level's word. */
  line(host: string | undefined, level: Level, text: string): string | undefined;
}

/** The text for one event (several lines joined by \n), or undefined to print nothing. */
export type Format<K extends EventType> = (e: EventOf<K>, f: FormatContext) => string | undefined;

/** Formats for a set of event types; the full table must be `Formats<EventType>`, so a new event without words fails tsc. */
export type Formats<K extends EventType> = { [P in K]: Format<P> };

/** For events that only machines read (--json, the run log's events.jsonl, the report). */
export const silent = (): undefined => undefined;
