// The tsconfig.json part of `dpl init`: the deployfile must be in a TypeScript
// project for tsc, editors and `dpl check` to see it with dpl-deploy's types.
// No tsconfig.json: one is written. One that covers the deployfile is left as
// it is; one that leaves it out gets it added to "include" (or "files"), keeping
// its indentation. One with comments is never rewritten: we say what to add.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Settings for a file that esbuild bundles as ESM: what `dpl` itself does with the deployfile. */
export const STARTER_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'ESNext',
    moduleResolution: 'Bundler',
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  },
  include: ['deployfile.ts'],
};

interface TsConfig {
  compilerOptions?: { module?: string; moduleResolution?: string };
  include?: string[];
  files?: string[];
  extends?: string | string[];
}

/** What was done, as lines for the user. */
export function ensureTsconfig(dir: string, deployfileName: string): string[] {
  const path = join(dir, 'tsconfig.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    writeFileSync(path, JSON.stringify({ ...STARTER_TSCONFIG, include: [deployfileName] }, null, 2) + '\n', { flag: 'wx' });
    return [`Wrote ${path} (for tsc, editors and \`dpl check\`).`];
  }
  let config: TsConfig;
  const commented = hasComments(text);
  try {
    config = JSON.parse(commented ? stripJsonc(text) : text) as TsConfig;
  } catch {
    return [`${path} is not JSON dpl init can read, so it was left alone: make sure it includes ${deployfileName}.`];
  }
  const lines: string[] = [];
  const key = config.files && !config.include ? 'files' : 'include';
  if (covers(config, deployfileName)) lines.push(`${path} already covers ${deployfileName}; left as it is.`);
  else if (commented) lines.push(`${path} has comments, so dpl init left it alone: add "${deployfileName}" to its "${key}".`);
  else {
    const indent = /^[ \t]+(?=")/m.exec(text)?.[0] ?? '  ';
    const next = { ...config, [key]: [...(config[key] ?? []), deployfileName] };
    writeFileSync(path, JSON.stringify(next, null, indent) + (text.endsWith('\n') ? '\n' : ''));
    lines.push(`Added "${deployfileName}" to "${key}" in ${path}.`);
  }
  const resolution = (config.compilerOptions?.moduleResolution ?? config.compilerOptions?.module ?? '').toLowerCase();
  if ((resolution === 'nodenext' || resolution === 'node16') && !isModulePackage(dir)) {
    lines.push(
      `Note: moduleResolution "${resolution}" reads ${deployfileName} as CommonJS here (package.json has no "type": "module"); ` +
        'the deployfile is ESM: set "type": "module", or "module": "ESNext" and "moduleResolution": "Bundler".',
    );
  }
  return lines;
}

/** Whether the config's file set takes in the deployfile (no "files"/"include" means every .ts file). */
function covers(config: TsConfig, name: string): boolean {
  // An "extends" may bring its own include: we can't tell without TypeScript, so don't touch it.
  if (config.extends && !config.include && !config.files) return true;
  if (!config.include && !config.files) return true;
  if (config.files?.some((f) => f.replace(/^\.\//, '') === name)) return true;
  return (config.include ?? []).some((pattern) => globMatches(pattern.replace(/^\.\//, ''), name));
}

/** tsconfig include patterns: *, ** and ?, and a bare directory ("." or "") takes in everything below it. */
function globMatches(pattern: string, file: string): boolean {
  if (pattern === '' || pattern === '.' || pattern === '**') return true;
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*\*\//g, '(?:.*/)?')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${re}$`).test(file) || new RegExp(`^${re}/`).test(file);
}

function isModulePackage(dir: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { type?: string }).type === 'module';
  } catch {
    return false;
  }
}

/** Whether the text has // or /* comments (or trailing commas) outside strings: JSONC. */
function hasComments(text: string): boolean {
  return stripJsonc(text) !== text;
}

/** JSONC to JSON: drops comments outside strings and trailing commas. */
function stripJsonc(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end - 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else out += c;
  }
  return out.replace(/,(\s*[}\]])/g, '$1');
}

function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i + 1;
  }
  return text.length;
}
