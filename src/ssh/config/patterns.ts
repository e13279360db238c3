// OpenSSH's match.c: `*` and `?` wildcards (`?` is exactly one character), comma
// lists with `!` negation, and host names compared in lower case.
import { globRegExp } from '../ssh-syntax.js';

const compiled = new Map<string, RegExp>();

/** match_pattern(): the whole string against one pattern, case-sensitive. */
export function matchPattern(s: string, pattern: string): boolean {
  if (!/[*?]/.test(pattern)) return s === pattern;
  let re = compiled.get(pattern);
  if (!re) compiled.set(pattern, (re = globRegExp(pattern, 's')));
  return re.test(s);
}

/** match_pattern_list(): 1 on a positive match, -1 when a `!` pattern matched, else 0. */
export function matchPatternList(s: string, list: string, lower: boolean): 1 | 0 | -1 {
  let positive: 1 | 0 = 0;
  for (let sub of list.split(',')) {
    const negated = sub.startsWith('!');
    if (negated) sub = sub.slice(1);
    if (lower) sub = sub.toLowerCase();
    if (matchPattern(s, sub)) {
      if (negated) return -1;
      positive = 1;
    }
  }
  return positive;
}

/** match_hostname(): the host lower-cased against a pattern list. */
export function matchHostname(host: string, list: string): 1 | 0 | -1 {
  return matchPatternList(host.toLowerCase(), list, true);
}
