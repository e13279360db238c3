// An event's words without colour, line by line with host and level: for readers
// that are not a terminal (the HTML report, tests). Same table as the terminal's.
import { Chalk } from 'chalk';
import type { DplEvent, EventType } from '../../core/events.js';
import type { Format, FormatContext, Level } from './types.js';
import { FORMATS } from './index.js';

export interface PlainLine {
  host?: string;
  level: Level;
  text: string;
}

const plain = new Chalk({ level: 0 });

/** Every line the event says (debug ones too); [] for an event type this version has no words for. */
export function plainLines(e: DplEvent): PlainLine[] {
  const format = (FORMATS as Partial<Record<EventType, Format<EventType>>>)[e.type];
  if (!format) return [];
  const out: PlainLine[] = [];
  const f: FormatContext = {
    c: plain,
    quiet: false,
    verbose: true,
    dryRun: false,
    interrupted: false,
    tag: (host) => (host ? `[${host}] ` : ''),
    line: (host, level, text) => {
      out.push({ host, level, text });
      return text;
    },
  };
  format(e, f);
  return out;
}
