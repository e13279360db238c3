// ssh_config lines split exactly as OpenSSH 9.2's readconf.c does: the keyword by
// strdelim() (one `=` may stand for the space), its arguments by argv_split()
// (quotes, backslash escapes, `#` starting a comment only at a token's start).
// Differing here would make dpl read a different config than `ssh` reads.

export interface RawLine {
  file: string;
  line: number;
  /** Lower-cased, as OpenSSH compares keywords. */
  keyword: string;
  /** What follows the keyword, leading spaces skipped (ProxyCommand takes it raw). */
  rest: string;
}

const WS = ' \t\r\n';

/** OpenSSH's strdelim(): the next word of `s` (quotes allowed, one `=` skipped); null when a quote is unclosed. */
export function strdelim(s: string): { token: string; rest: string | null } | null {
  let at = -1;
  for (let i = 0; i < s.length; i++) {
    if (WS.includes(s[i]!) || s[i] === '"' || s[i] === '=') {
      at = i;
      break;
    }
  }
  if (at < 0) return { token: s, rest: null };
  const skipWs = (t: string): string => t.replace(/^[ \t\r\n]*/, '');
  if (s[at] === '"') {
    const t = s.slice(0, at) + s.slice(at + 1);
    const close = t.indexOf('"', at);
    if (close < 0) return null;
    return { token: t.slice(0, close), rest: skipWs(t.slice(close + 1)) };
  }
  const equals = s[at] === '=';
  let rest = skipWs(s.slice(at + 1));
  if (!equals && rest[0] === '=') rest = skipWs(rest.slice(1));
  return { token: s.slice(0, at), rest };
}

/** OpenSSH's argv_split(s, terminate_on_comment=1); null for an unclosed quote. */
export function argvSplit(s: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] === ' ' || s[i] === '\t') {
      i++;
      continue;
    }
    if (s[i] === '#') break;
    let quote = '';
    let arg = '';
    for (; i < s.length; i++) {
      const c = s[i]!;
      if (c === '\\') {
        const n = s[i + 1];
        if (n === "'" || n === '"' || n === '\\' || (quote === '' && n === ' ')) {
          i++;
          arg += n;
        } else arg += c;
      } else if (quote === '' && (c === ' ' || c === '\t')) break;
      else if (quote === '' && (c === '"' || c === "'")) quote = c;
      else if (quote !== '' && c === quote) quote = '';
      else arg += c;
    }
    if (i >= s.length && quote !== '') return null;
    out.push(arg);
  }
  return out;
}

export class ConfigSyntaxError extends Error {}

/** Every directive line of a file; blank and comment lines dropped. Throws on a line with no argument. */
export function lexConfig(text: string, file: string): RawLine[] {
  const out: RawLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    const s = raw.replace(/[ \t\r\n\f]+$/, '');
    if (!s) return;
    let d = strdelim(s);
    if (d && d.token === '' && d.rest !== null) d = strdelim(d.rest);
    if (!d || !d.token || d.token.startsWith('#')) return;
    const keyword = d.token.toLowerCase();
    const rest = (d.rest ?? '').replace(/^[ \t\r\n]*/, '');
    if (!rest) throw new ConfigSyntaxError(`${file} line ${line}: no argument after keyword "${keyword}"`);
    out.push({ file, line, keyword, rest });
  });
  return out;
}
