// What a context's settings add up to, and the command string they make: cd, env
// and prefixes in order (`&&`: a failed cd stops the command), wrapped in the
// host's shell when it has one. Pure; every string is built with the quote module.
import { envPrefix, quote } from './quote.js';
import type { ScopePatch } from './run.js';

export interface Scope {
  cwd?: string;
  env: Record<string, string>;
  prefixes: string[];
  warnOnly: boolean;
}

/** The scoped settings, then a context's own, in order (a relative cd is relative to the one before). */
export function scopeOf(patches: readonly ScopePatch[], warnOnly: boolean): Scope {
  const s: Scope = { env: {}, prefixes: [], warnOnly };
  for (const p of patches) {
    if ('cwd' in p) s.cwd = isAbsolute(p.cwd) || !s.cwd ? p.cwd : `${s.cwd.replace(/\/$/, '')}/${p.cwd}`;
    else if ('env' in p) s.env = { ...s.env, ...p.env };
    else if ('prefix' in p) s.prefixes = [...s.prefixes, p.prefix];
    else s.warnOnly = true;
  }
  return s;
}

/** A remote path relative to the scope's directory. */
export function resolvePath(scope: Scope, path: string): string {
  if (isAbsolute(path) || !scope.cwd) return path;
  return `${scope.cwd.replace(/\/$/, '')}/${path}`;
}

/** The command as sent: `cd DIR && prefix && command` with the env first; given a shell (`bash -l -c`), the whole as its one argument. */
export function composeCommand(scope: Scope, command: string, shell: string | undefined): string {
  const parts: string[] = [];
  if (scope.cwd) parts.push(`cd ${quoteDir(scope.cwd)}`);
  parts.push(...scope.prefixes, command);
  const composed = envPrefix(scope.env) + parts.join(' && ');
  return shell ? `${shell} ${quote(composed)}` : composed;
}

/** How the call that made a setting reads, for messages: `cd("/var")`. */
export function describePatch(p: ScopePatch): string {
  if ('cwd' in p) return `cd(${JSON.stringify(p.cwd)})`;
  if ('env' in p) return `withEnv({ ${Object.keys(p.env).join(', ')} })`;
  if ('prefix' in p) return `prefix(${JSON.stringify(p.prefix)})`;
  return 'warnOnly()';
}

const isAbsolute = (p: string): boolean => p.startsWith('/') || p === '~' || p.startsWith('~/');

/** `~` must stay unquoted for the shell to expand it. */
function quoteDir(dir: string): string {
  if (dir === '~') return '~';
  if (dir.startsWith('~/')) return `~/${quote(dir.slice(2))}`;
  return quote(dir);
}
