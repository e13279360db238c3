// An error as people read it: `[host] message`, and its hint. Errors keep the host in
// its own field (HostError.host) so --json and the run log carry it as data; this is the
// one place that puts it back in front of the message, for the CLI boundary, the pretty
// reporter and the domain's own lines that quote an error.
import { DplError, HostError } from '../core/errors.js';

/** What an error says: from an Error, or from the fields an event carries. */
export interface ErrorFields {
  message: string;
  host?: string;
  hint?: string;
}

export interface ErrorTextOptions {
  /** The host the line is already tagged with: its prefix is left out. */
  tagged?: string;
  /** Add the hint on its own line (`  hint: …`). */
  hint?: boolean;
  /** Only the first line of the message. */
  firstLine?: boolean;
}

export function errorFields(e: unknown): ErrorFields {
  if (e instanceof Error) {
    return { message: e.message, host: e instanceof HostError ? e.host : undefined, hint: e instanceof DplError ? e.hint : undefined };
  }
  if (isFields(e)) return e;
  return { message: String(e) };
}

/** `[host] message` (+ `\n  hint: …` when asked). */
export function errorText(e: unknown, o: ErrorTextOptions = {}): string {
  const f = errorFields(e);
  const message = o.firstLine ? f.message.split('\n')[0]! : f.message;
  const prefix = f.host !== undefined && f.host !== o.tagged ? `[${f.host}] ` : '';
  return prefix + message + (o.hint && f.hint ? `\n  hint: ${f.hint}` : '');
}

function isFields(e: unknown): e is ErrorFields {
  return typeof e === 'object' && e !== null && typeof (e as ErrorFields).message === 'string';
}
