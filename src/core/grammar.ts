// Fabric 1 invocation grammar: `task:a,b,key=value`. The name ends at the first
// `:`; arguments split on `,`, key and value on the first `=`; `\,` and `\=`
// (and `\\`) escape. Per-invocation host keys are lifted out of the arguments.
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
  if (!name) throw new UsageError(`malformed task "${token}": missing task name before ":"`);
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name)) {
    throw new UsageError(`malformed task "${token}": "${name}" is not a task name`);
  }
  const inv: Invocation = { token, name, args: [], kwargs: {} };
  if (colon < 0) return inv;
  const rest = token.slice(colon + 1);
  if (rest === '') return inv;

  for (const piece of splitUnescaped(rest, ',', token)) {
    const eq = indexOfUnescaped(piece, '=');
    if (eq < 0) {
      if (Object.keys(inv.kwargs).length > 0) {
        throw new UsageError(`malformed task "${token}": positional argument "${unescape(piece)}" after key=value arguments`);
      }
      inv.args.push(unescape(piece));
      continue;
    }
    const key = unescape(piece.slice(0, eq));
    const value = unescape(piece.slice(eq + 1));
    if (!key) throw new UsageError(`malformed task "${token}": argument "${unescape(piece)}" has an empty name before "="`);
    if (HOST_KEYS.has(key)) {
      applyHostKey(inv, key, value, token);
      continue;
    }
    if (key in inv.kwargs) throw new UsageError(`malformed task "${token}": argument "${key}" given twice`);
    inv.kwargs[key] = value;
  }
  return inv;
}

function applyHostKey(inv: Invocation, key: string, value: string, token: string): void {
  const list = value.split(';').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new UsageError(`malformed task "${token}": "${key}=" needs a value`);
  if ((key === 'host' || key === 'role') && list.length > 1) {
    throw new UsageError(`malformed task "${token}": "${key}=" takes one name; use "${key}s=a;b" for several`);
  }
  if (key === 'host' || key === 'hosts') inv.hosts = [...(inv.hosts ?? []), ...list];
  else if (key === 'role' || key === 'roles') inv.roles = [...(inv.roles ?? []), ...list];
  else inv.excludeHosts = [...(inv.excludeHosts ?? []), ...list];
}

/** Split on `sep` where it is not escaped; backslash escapes survive for the next stage. */
function splitUnescaped(text: string, sep: string, token: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\') {
      if (i + 1 >= text.length) throw new UsageError(`malformed task "${token}": trailing "\\" escapes nothing`);
      current += ch + text[i + 1];
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

function indexOfUnescaped(text: string, ch: string): number {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === ch) return i;
  }
  return -1;
}

function unescape(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}

/** Comma-separated CLI list (-H a,b): trims and drops empties. */
export function parseList(value: string | undefined): string[] {
  if (!value) return [];
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}
