// Reading config files as ssh does: the user's config (and every file it
// includes) must not be writable by others; each line is checked when read, so a
// bad line anywhere is an error, as in ssh; `Include` is expanded (glob, `~`,
// relative to ~/.ssh or /etc/ssh) when read, active or not, up to 16 deep.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { tildeExpand } from './expand.js';
import { argvSplit, ConfigSyntaxError, lexConfig } from './lexer.js';
import { parseMatch, type Criterion } from './match.js';
import { parseSetting, type Apply } from './keywords.js';

export type Directive =
  | { kind: 'host'; patterns: string[] }
  | { kind: 'match'; criteria: Criterion[] }
  | { kind: 'include'; files: Directive[][] }
  | { kind: 'set'; apply: Apply }
  | { kind: 'unknown'; keyword: string; file: string; line: number };

export interface LoadFlags {
  /** A user config (-F or ~/.ssh/config): relative Includes are under ~/.ssh, `~` is allowed. */
  user: boolean;
  /** Refuse the file if another user could have written it. */
  checkPerm: boolean;
}

const MAX_DEPTH = 16;

const configError = (err: unknown): never => {
  if (err instanceof ConfigSyntaxError) {
    throw new UsageError(`ssh config: ${err.message}`, { code: 'ssh-config.invalid', hint: 'fix that line; `ssh -G <host>` reads the file the same way' });
  }
  throw err;
};

/** The directives of one file; null when it does not exist. */
export async function loadConfigFile(path: string, flags: LoadFlags, depth = 0): Promise<Directive[] | null> {
  let text: string;
  try {
    if (flags.checkPerm) {
      const st = await stat(path);
      const uid = process.getuid?.() ?? 0;
      if ((st.uid !== 0 && st.uid !== uid) || (st.mode & 0o022) !== 0) {
        throw new UsageError(`ssh config: bad owner or permissions on ${path}`, { code: 'ssh-config.invalid', hint: `only you may write it: chmod go-w ${path}` });
      }
    }
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'EISDIR') return [];
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot read ssh config ${path}: ${(err as Error).message}`, { code: 'ssh-config.invalid' });
  }
  const out: Directive[] = [];
  try {
    for (const l of lexConfig(text, path)) {
      const where = `${l.file} line ${l.line}`;
      if (l.keyword === 'host') {
        const patterns = argvSplit(l.rest);
        if (patterns === null) throw new ConfigSyntaxError(`${where}: invalid quotes`);
        if (patterns.includes('')) throw new ConfigSyntaxError(`${where}: keyword host empty argument`);
        out.push({ kind: 'host', patterns });
      } else if (l.keyword === 'match') {
        out.push({ kind: 'match', criteria: parseMatch(l.rest, where) });
      } else if (l.keyword === 'include') {
        const args = argvSplit(l.rest);
        if (args === null) throw new ConfigSyntaxError(`${where}: invalid quotes`);
        const files: Directive[][] = [];
        if (depth + 1 > MAX_DEPTH) throw new ConfigSyntaxError(`${where}: too many recursive configuration includes (more than ${MAX_DEPTH} deep: an Include loop?)`);
        for (const arg of args) {
          if (arg === '') throw new ConfigSyntaxError(`${where}: keyword include empty argument`);
          if (arg.startsWith('~') && !flags.user) throw new ConfigSyntaxError(`${where}: bad include path ${arg}.`);
          const pattern = arg.startsWith('/') || arg.startsWith('~') ? arg : `${flags.user ? '~/.ssh' : '/etc/ssh'}/${arg}`;
          for (const file of await glob(tildeExpand(pattern))) {
            const d = await loadConfigFile(file, { user: flags.user, checkPerm: true }, depth + 1);
            if (d) files.push(d);
          }
        }
        out.push({ kind: 'include', files });
      } else {
        const parsed = parseSetting(l, flags.user);
        if (parsed && 'unknown' in parsed) out.push({ kind: 'unknown', keyword: parsed.unknown, file: l.file, line: l.line });
        else if (parsed) out.push({ kind: 'set', apply: parsed });
      }
    }
  } catch (err) {
    configError(err);
  }
  return out;
}

/** glob(3) for `*`, `?` and `[...]` in any path part: sorted matches, dot files only when named. */
async function glob(pattern: string): Promise<string[]> {
  if (!/[*?[]/.test(pattern)) return [pattern];
  const parts = pattern.split('/');
  let found = [parts[0] === '' ? '/' : '.'];
  for (const [i, part] of parts.entries()) {
    if (i === 0 && part === '') continue;
    if (part === '') continue;
    const next: string[] = [];
    for (const dir of found) {
      if (!/[*?[]/.test(part)) {
        next.push(join(dir, part));
        continue;
      }
      const re = new RegExp('^' + part.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]').replace(/\[!/g, '[^') + '$');
      const entries = await readdir(dir).catch(() => [] as string[]);
      for (const e of entries.sort()) if (re.test(e) && !(e.startsWith('.') && !part.startsWith('.'))) next.push(join(dir, e));
    }
    found = next;
  }
  return found.sort();
}
