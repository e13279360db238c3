// OpenSSH's Include, which the ssh-config package parses but does not follow: each
// named file (`*` and `?` allowed in the last path part, sorted like glob(3)) is
// spliced in where the directive stands. Relative paths are under ~/.ssh, as for a
// user config; missing files are skipped, as ssh does; nesting stops at 16 levels.
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { globRegExp, sshPath } from './ssh-syntax.js';

export type ConfigLine = { type: number; param?: string; value?: string | Array<{ val: string }>; config?: unknown[] };

const MAX_DEPTH = 16;
const isInclude = (l: ConfigLine): boolean => /^include$/i.test(l.param ?? '');
const isSection = (l: ConfigLine): boolean => /^(host|match)$/i.test(l.param ?? '');

function paths(l: ConfigLine): string[] {
  const vals = Array.isArray(l.value) ? l.value.map((v) => v.val) : String(l.value ?? '').split(/\s+/);
  return vals.filter(Boolean).map(sshPath);
}

async function files(pattern: string): Promise<string[]> {
  const name = basename(pattern);
  if (!/[*?]/.test(name)) return [pattern];
  const re = globRegExp(name);
  const dir = dirname(pattern);
  const entries = await readdir(dir).catch(() => [] as string[]);
  return entries.filter((e) => re.test(e) && !e.startsWith('.')).sort().map((e) => join(dir, e));
}

async function read(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') return null;
    throw new UsageError(`cannot read ssh config ${path} (Include): ${(err as Error).message}`);
  }
}

/** `lines` with every Include replaced by the lines of the files it names. */
export async function expandIncludes(lines: ConfigLine[], parse: (text: string) => ConfigLine[], depth = 0, inSection = false): Promise<ConfigLine[]> {
  if (!lines.some((l) => isInclude(l) || (l.config ?? []).some((c) => isInclude(c as ConfigLine)))) return lines;
  const out: ConfigLine[] = [];
  for (const line of lines) {
    if (isSection(line) && line.config) {
      out.push({ ...line, config: await expandIncludes(line.config as ConfigLine[], parse, depth, true) });
      continue;
    }
    if (!isInclude(line)) {
      out.push(line);
      continue;
    }
    if (depth >= MAX_DEPTH) throw new UsageError(`ssh config Include nested more than ${MAX_DEPTH} deep (an Include loop?)`);
    for (const pattern of paths(line)) {
      for (const file of await files(pattern)) {
        const text = await read(file);
        if (text === null) continue;
        const included = await expandIncludes(parse(text), parse, depth + 1, inSection);
        if (inSection && included.some(isSection)) {
          throw new UsageError(`ssh config: ${file} has Host or Match blocks and is included inside a Host or Match block, which dpl does not follow`, {
            hint: 'move that Include to the top level of the config',
          });
        }
        out.push(...included);
      }
    }
  }
  return out;
}
