// The version in an INI file (`[parameters]` / `opensky.version = 3.0.1`). The write
// edits that one line in place so comments, order, spacing and line endings stay
// byte-for-byte; `ini` only parses, to check that the line we found is the value
// ini (and so the application) reads, before and after the edit.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import ini from 'ini';
import semver from 'semver';
import { DplError } from '../core/errors.js';
import { describeVersionFile, type VersionFileSpec } from './config.js';
import { type Repo } from './repo.js';

export interface VersionInText {
  version: string;
  /** The whole text with the version replaced. */
  replace(next: string): string;
}

const SECTION = /^\s*\[([^\]]*)\]\s*(?:[;#].*)?$/;
const KEY_LINE = /^(\s*)([^=;#[\s][^=]*?)(\s*=\s*)(.*)$/;
const VALUE = /^(["']?)([0-9A-Za-z.+-]+)\1(\s*(?:[;#].*)?)$/;

/** Find the version line in INI text; `where` names the file in errors. */
export function findVersion(text: string, spec: VersionFileSpec, where: string): VersionInText {
  const lines = text.split(/(?<=\n)/);
  const hits: { index: number; head: string; quote: string; value: string; tail: string }[] = [];
  let section = '';
  lines.forEach((full, index) => {
    const line = full.replace(/\r?\n$/, '');
    const sec = SECTION.exec(line);
    if (sec) {
      section = sec[1]!.trim();
      return;
    }
    if (section !== spec.section) return;
    const kv = KEY_LINE.exec(line);
    if (!kv || kv[2]!.trim() !== spec.key) return;
    const val = VALUE.exec(kv[4]!);
    if (!val) {
      throw new DplError(`${where}: ${spec.key} = ${kv[4]} is not a version`, {
        code: 'version.invalid',
        hint: `set it to a semantic version like 3.0.1 and commit that first`,
      });
    }
    hits.push({ index, head: kv[1]! + kv[2]! + kv[3]!, quote: val[1]!, value: val[2]!, tail: val[3]! });
  });
  const name = describeVersionFile(spec);
  if (hits.length === 0) {
    throw new DplError(`${where}: no ${spec.key} in ${spec.section ? `section [${spec.section}]` : 'the top level'}`, {
      code: 'version.invalid',
      hint: `add \`${spec.key} = 0.1.0\`${spec.section ? ` under [${spec.section}]` : ''}, or fix versionFile in gitTasks({...}) (now: ${name})`,
    });
  }
  if (hits.length > 1) {
    throw new DplError(`${where}: ${spec.key} is set ${hits.length} times in [${spec.section}]; refusing to guess which one`, { code: 'version.invalid' });
  }
  const hit = hits[0]!;
  const version = semver.valid(hit.value);
  if (!version || version !== hit.value) {
    throw new DplError(`${where}: ${spec.key} = ${hit.value} is not a semantic version`, {
      code: 'version.invalid',
      hint: 'versions are MAJOR.MINOR.PATCH, e.g. 3.0.1',
    });
  }
  const seen = iniValue(text, spec);
  if (seen !== hit.value) {
    throw new DplError(`${where}: the ini parser reads ${spec.key} as ${JSON.stringify(seen)}, not ${hit.value}`, {
      code: 'version.invalid',
      hint: 'simplify that line to `key = X.Y.Z` so dpl can edit it safely',
    });
  }
  return {
    version,
    replace(next: string): string {
      const line = lines[hit.index]!;
      const eol = /\r?\n$/.exec(line)?.[0] ?? '';
      const out = [...lines];
      out[hit.index] = hit.head + hit.quote + next + hit.quote + hit.tail + eol;
      const text2 = out.join('');
      if (iniValue(text2, spec) !== next) {
        throw new DplError(`${where}: could not rewrite ${spec.key} safely (ini reads something else afterwards)`, { code: 'version.invalid' });
      }
      return text2;
    },
  };
}

function iniValue(text: string, spec: VersionFileSpec): unknown {
  const data = ini.parse(text) as Record<string, unknown>;
  let scope: unknown = data;
  if (spec.section) {
    const direct = data[spec.section];
    scope = direct !== undefined ? direct : spec.section.split('.').reduce<unknown>(dig, data);
  }
  return scope && typeof scope === 'object' ? (scope as Record<string, unknown>)[spec.key] : undefined;
}

function dig(obj: unknown, part: string): unknown {
  return obj && typeof obj === 'object' ? (obj as Record<string, unknown>)[part] : undefined;
}

/** The version as committed at `rev` (read with `git show`, nothing checked out). */
export async function versionAt(repo: Repo, rev: string, spec: VersionFileSpec): Promise<string> {
  const text = await repo.tryGit(['show', `${rev}:./${toPosix(spec.path)}`]);
  if (text === undefined) {
    throw new DplError(`version file ${spec.path} is not committed on ${rev} in ${repo.dir}`, {
      code: 'version.invalid',
      hint: `commit it, or fix versionFile.path in gitTasks({...}) (relative to ${repo.dir})`,
    });
  }
  return findVersion(text + '\n', spec, `${spec.path} on ${rev}`).version;
}

/** The version in the working tree file. */
export async function readVersion(repoDir: string, spec: VersionFileSpec): Promise<string> {
  const file = path.resolve(repoDir, spec.path);
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new DplError(`cannot read version file ${file}: ${err.code ?? err.message}`, {
      code: 'version.invalid',
      hint: 'fix versionFile.path in gitTasks({...})',
    });
  });
  return findVersion(text, spec, spec.path).version;
}

/** Rewrite the version line in the working tree and commit only that file. Returns the new commit. */
export async function commitVersion(repo: Repo, spec: VersionFileSpec, next: string, message: string): Promise<string> {
  const file = path.resolve(repo.dir, spec.path);
  const text = await readFile(file, 'utf8');
  const found = findVersion(text, spec, spec.path);
  await writeFile(file, found.replace(next));
  await repo.git(['add', '--verbose', '--', spec.path]);
  await repo.git(['commit', '-m', message, '--', spec.path]);
  return repo.git(['rev-parse', 'HEAD']);
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}
