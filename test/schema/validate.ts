// The published event schema (schema/events.v1.json) as an ajv validator, for tests
// that check real event streams: `dpl --json` stdout and the run log's events.jsonl.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

export const SCHEMA_FILE = path.resolve(import.meta.dirname, '../../schema/events.v1.json');

let compiled: ValidateFunction | undefined;

/** The schema compiled once per test file; `discriminator` picks the branch by `type`, so an error names that branch's field. */
export function eventValidator(): ValidateFunction {
  if (compiled) return compiled;
  const ajv = new Ajv({ discriminator: true, strict: true, allowUnionTypes: true });
  addFormats.default(ajv);
  compiled = ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object);
  return compiled;
}

/** Why `event` does not fit the schema (ajv's first error with its path), or undefined when it does. */
export function schemaError(event: unknown): string | undefined {
  const validate = eventValidator();
  if (validate(event)) return undefined;
  const e = validate.errors![0]!;
  const detail = e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : '';
  const type = (event as { type?: unknown } | null)?.type;
  return `${typeof type === 'string' ? type + ' ' : ''}${e.instancePath || '(event)'} ${e.message ?? e.keyword}${detail} (schema ${e.schemaPath})`;
}

/** What a stream held: valid lines and how many of each event type. */
export interface StreamCheck {
  lines: number;
  types: Map<string, number>;
}

export const emptyCheck = (): StreamCheck => ({ lines: 0, types: new Map() });

/**
 * Validate every line of a JSON-lines event stream, adding to `into`. Throws on the
 * first line that is not JSON or not a valid event, naming `where`, the line number
 * (counted from `firstLine`),
 * ajv's error path and the line itself.
 */
export function checkStream(text: string, where: string, into: StreamCheck = emptyCheck(), firstLine = 1): StreamCheck {
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch (err) {
      throw new Error(`${where}:${i + firstLine}: not JSON (${(err as Error).message}): ${line.slice(0, 300)}`);
    }
    const why = schemaError(event);
    if (why) throw new Error(`${where}:${i + firstLine}: event does not match schema/events.v1.json: ${why}\n  ${line.slice(0, 600)}`);
    const type = (event as { type: string }).type;
    into.lines++;
    into.types.set(type, (into.types.get(type) ?? 0) + 1);
  });
  return into;
}
