// Fabric 1 invocation grammar (fabric/main.py parse_arguments): `task:a,b,key=value`. The name
// ends at the first `:`; arguments split on `,`, key and value on `=`. A backslash escapes only
// the separator right after it (`\,`, `\=`); every other backslash is part of the value, so
// `C:\temp` and `^v\d+$` arrive as typed. Per-invocation host keys are lifted out of the
// arguments; each replaces the list it sets, as Fabric's do (`host=a,hosts=b;c` → b, c).
// Where dpl refuses what Fabric accepts, README "Differences from Fabric 1" says why.
import { UsageError } from './errors.js';

export interface Invocation {
  /** The token as typed, for error messages. */
  token: string;
  name: string;
  args: string[];
  kwargs: Record<string, string>;
  hosts?: string[];
  roles?: string[];
  excludeHosts?: string[];
}

const HOST_KEYS = new Set(['host', 'hosts', 'role', 'roles', 'exclude_hosts']);

export function parseInvocation(token: string): Invocation {
  const colon = token.indexOf(':');
  const name = colon < 0 ? token : token.slice(0, colon);
  if (!name) throw new UsageError(`malformed task "${token}": missing task name before ":"`, { code: 'usage.grammar' });
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name)) {
    throw new UsageError(`malformed task "${token}": "${name}" is not a task name`, { code: 'usage.grammar' });
  }
  const inv: Invocation = { token, name, args: [], kwargs: {} };
  if (colon < 0) return inv;
  const rest = token.slice(colon + 1);
  // Fabric passes one empty argument here; a trailing colon reads as "no arguments".
  if (rest === '') return inv;

  for (const pair of escapeSplit(',', rest)) {
    const [key, ...value] = escapeSplit('=', pair);
    // Python binds positional arguments first wherever they stand (`a:b=c,d` → args d).
    if (value.length === 0) {
      inv.args.push(key!);
      continue;
    }
    if (!key) throw new UsageError(`malformed task "${token}": argument "${pair}" has an empty name before "="`, { code: 'usage.grammar' });
    // Fabric 1 crashes on a second `=`; here the value is everything after the first.
    const text = value.join('=');
    if (HOST_KEYS.has(key)) {
      applyHostKey(inv, key, text, token);
      continue;
    }
    if (Object.hasOwn(inv.kwargs, key)) throw new UsageError(`malformed task "${token}": argument "${key}" given twice`, { code: 'usage.grammar' });
    // defineProperty: a key like "__proto__" is an argument name like any other.
    Object.defineProperty(inv.kwargs, key, { value: text, enumerable: true, writable: true, configurable: true });
  }
  return inv;
}

function applyHostKey(inv: Invocation, key: string, value: string, token: string): void {
  const list = value.split(';').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new UsageError(`malformed task "${token}": "${key}=" needs a value`, { code: 'usage.grammar' });
  if ((key === 'host' || key === 'role') && list.length > 1) {
    throw new UsageError(`malformed task "${token}": "${key}=" takes one name; use "${key}s=a;b" for several`, { code: 'usage.grammar' });
  }
  if (key === 'host' || key === 'hosts') inv.hosts = list;
  else if (key === 'role' || key === 'roles') inv.roles = list;
  else inv.excludeHosts = list;
}

/**
 * Fabric's `_escape_split(sep, text)`: split on `sep` except where a backslash stands right
 * before it; that backslash is dropped and the separator kept. Other backslashes stay.
 */
export function escapeSplit(sep: ',' | '=', text: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && text[i + 1] === sep) {
      current += sep;
      i++;
    } else if (ch === sep) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

/** Comma-separated CLI list (-H a,b): trims and drops empties. */
export function parseList(value: string | undefined): string[] {
  if (!value) return [];
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}
