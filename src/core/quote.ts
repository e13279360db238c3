// The one place where shell strings are built. Every interpolation into a remote
// or local command goes through `quote` (POSIX single quotes), like zx's `$`.

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quote one argument for a POSIX shell. Empty string becomes ''. */
export function quote(arg: string | number): string {
  const s = String(arg);
  if (s === '') return "''";
  if (SAFE.test(s)) return s;
  return "'" + s.replace(/'/g, `'"'"'`) + "'";
}

/** A fragment that is already shell syntax and must not be quoted again. */
export class RawShell {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export function raw(text: string): RawShell {
  return new RawShell(text);
}

export type ShellValue = string | number | RawShell | ReadonlyArray<string | number | RawShell>;

function render(value: ShellValue): string {
  if (value instanceof RawShell) return value.text;
  if (Array.isArray(value)) return value.map((v) => render(v as ShellValue)).join(' ');
  return quote(value as string | number);
}

/**
 * Tagged template: literal parts are shell syntax, every `${value}` is quoted.
 *   sh`cd ${dir} && tar xzf ${file}`
 * Arrays expand to several quoted words; `raw()` values are inserted as-is.
 */
export function sh(parts: TemplateStringsArray, ...values: ShellValue[]): string {
  let out = parts[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (parts[i + 1] ?? '');
  });
  return out;
}

/** Join argv into one command line, each word quoted. */
export function quoteArgs(argv: ReadonlyArray<string | number>): string {
  return argv.map(quote).join(' ');
}

/** `export K=V; ` prefix for an env map (names are validated, values quoted). */
export function envPrefix(env: Readonly<Record<string, string>>): string {
  const names = Object.keys(env);
  if (names.length === 0) return '';
  for (const name of names) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new TypeError(`invalid environment variable name: ${JSON.stringify(name)}`);
    }
  }
  return 'export ' + names.map((n) => `${n}=${quote(env[n] ?? '')}`).join(' ') + '; ';
}
