// How OpenSSH's config writes things, shared by every part of src/ssh that reads it:
// wildcard patterns, `~` and ~/.ssh-relative paths, and %-tokens.
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** An OpenSSH pattern (`*` any run, `?` one character) as an anchored RegExp. */
export function globRegExp(pattern: string, flags = ''): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, flags);
}

/** A path as ssh config means it: `~` is home, a relative path is under ~/.ssh. */
export function sshPath(p: string): string {
  const home = homedir();
  if (p === '~') return home;
  if (p.startsWith('~/')) return join(home, p.slice(2));
  return isAbsolute(p) ? p : join(home, '.ssh', p);
}

/** `%%` and the `%x` tokens given (computed only when used); unknown tokens stay as written. */
export function expandTokens(s: string, tokens: Record<string, () => string>): string {
  return s.replace(/%(.)/g, (m, c: string) => (c === '%' ? '%' : tokens[c] ? tokens[c]() : m));
}
