// OpenSSH's match.c, for every part of src/ssh that reads patterns (ssh_config,
// known_hosts, algorithm lists): `*` and `?` wildcards (`?` is exactly one
// character), comma lists with `!` negation, and host names compared in lower case.

/** An OpenSSH pattern (`*` any run, `?` exactly one character) as an anchored RegExp. */
export function globRegExp(pattern: string, flags = ''): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, flags);
}

// A lazy cache of compiled patterns: a config's patterns are tested once per host.
// Bounded, so a long-lived process reading many configs does not grow without end.
const compiled = new Map<string, RegExp>();
const MAX_COMPILED = 4096;

/** match_pattern(): the whole string against one pattern, case-sensitive. */
export function matchPattern(s: string, pattern: string): boolean {
  if (!/[*?]/.test(pattern)) return s === pattern;
  let re = compiled.get(pattern);
  if (!re) {
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(pattern, (re = globRegExp(pattern, 's')));
  }
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
