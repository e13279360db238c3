// Where a secret comes from: the adapters a deployfile puts in `secrets: {...}`.
// Each is a description plus a function that reads the value on this machine;
// nothing runs until a task needs the secret (resolve.ts).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SecretError, runCli, type CliCall } from './run-cli.js';

export interface SecretReadContext {
  /** The secret's name in `secrets: {...}`. */
  name: string;
  /** The deployfile's directory: relative paths and commands start here. */
  root: string;
  scrub: (text: string) => string;
}

export interface SecretSource {
  /** `pass`, `1password`, `command`...: shown in errors and the dry-run. */
  readonly adapter: string;
  read(ctx: SecretReadContext): Promise<string>;
}

/** The value a CLI printed, without the newline it ends with. */
const chomp = (s: string): string => s.replace(/\r?\n$/, '');

function cli(adapter: string, argv: readonly string[], pick: (stdout: string) => string = chomp): SecretSource {
  return {
    adapter,
    async read(ctx) {
      const call: CliCall = { name: ctx.name, adapter, argv, cwd: ctx.root, scrub: ctx.scrub };
      return pick(await runCli(call));
    },
  };
}

/** Shell syntax in a command string: then (only then) it runs through /bin/sh. */
const SHELL_SYNTAX = /[|&;<>()$`\\"'*?~\n{}[\]#]/;

/**
 * Any command that prints the secret on stdout. An argv array runs as is; a string
 * is split on spaces, and goes through /bin/sh only when it uses shell syntax.
 */
export function fromCommand(command: string | readonly string[]): SecretSource {
  if (typeof command !== 'string') return cli('command', [...command]);
  const argv = SHELL_SYNTAX.test(command) ? ['/bin/sh', '-c', command] : command.trim().split(/\s+/);
  return cli('command', argv);
}

/** 1Password: `op read op://vault/item/field` (sign in first, or set OP_SERVICE_ACCOUNT_TOKEN). */
export function onePassword(reference: string): SecretSource {
  return cli('1password', ['op', 'read', '--no-newline', reference], (s) => s);
}

/** Bitwarden: `bw get password <item>`, or a custom field with `bitwarden(item, 'api_key')` (BW_SESSION set). */
export function bitwarden(item: string, field?: string): SecretSource {
  if (!field || field === 'password') return cli('bitwarden', ['bw', 'get', 'password', item]);
  if (['username', 'notes', 'totp', 'uri'].includes(field)) return cli('bitwarden', ['bw', 'get', field, item]);
  return cli('bitwarden', ['bw', 'get', 'item', item], (json) => {
    const fields = (JSON.parse(json) as { fields?: Array<{ name: string; value: string }> }).fields ?? [];
    const hit = fields.find((f) => f.name === field);
    if (!hit) throw new SecretError(`bitwarden item ${item} has no field ${field}`);
    return hit.value;
  });
}

/** AWS Secrets Manager: `aws secretsmanager get-secret-value --secret-id <id>` (SecretString). */
export function awsSecretsManager(secretId: string, o: { region?: string; profile?: string } = {}): SecretSource {
  return cli('aws-secrets-manager', ['aws', 'secretsmanager', 'get-secret-value', '--secret-id', secretId, '--query', 'SecretString', '--output', 'text', ...awsFlags(o)]);
}

/** AWS SSM Parameter Store: `aws ssm get-parameter --name <name> --with-decryption`. */
export function awsSsm(name: string, o: { region?: string; profile?: string } = {}): SecretSource {
  return cli('aws-ssm', ['aws', 'ssm', 'get-parameter', '--name', name, '--with-decryption', '--query', 'Parameter.Value', '--output', 'text', ...awsFlags(o)]);
}

function awsFlags(o: { region?: string; profile?: string }): string[] {
  return [...(o.region ? ['--region', o.region] : []), ...(o.profile ? ['--profile', o.profile] : [])];
}

/** pass (the standard Unix password manager): the first line of `pass show <name>`. */
export function pass(name: string): SecretSource {
  return cli('pass', ['pass', 'show', name], (s) => s.split(/\r?\n/)[0] ?? '');
}

/** A key of a dotenv file on this machine (default: the secret's own name); the path is relative to the deployfile. */
export function dotenv(file: string, key?: string): SecretSource {
  return {
    adapter: 'dotenv',
    async read(ctx) {
      const full = path.resolve(ctx.root, file);
      const text = await readFile(full, 'utf8').catch((e: NodeJS.ErrnoException) => {
        throw new SecretError(`secret ${ctx.name} (dotenv): cannot read ${full}: ${e.code ?? e.message}`);
      });
      const value = parseDotenv(text).get(key ?? ctx.name);
      if (value === undefined) throw new SecretError(`secret ${ctx.name} (dotenv): ${full} has no ${key ?? ctx.name}`);
      return value;
    },
  };
}

/** `KEY=value`, `export KEY=value`, 'single' (literal) or "double" (\n, \", \\) quoted; # comments. */
export function parseDotenv(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2]!;
    if (v.startsWith("'")) v = v.slice(1, v.indexOf("'", 1) < 0 ? undefined : v.indexOf("'", 1));
    else if (v.startsWith('"')) {
      const end = /^"((?:[^"\\]|\\.)*)"/.exec(v);
      v = (end ? end[1]! : v.slice(1)).replace(/\\(.)/g, (_s, ch: string) => (ch === 'n' ? '\n' : ch));
    } else v = v.replace(/\s+#.*$/, '').trim();
    out.set(m[1]!, v);
  }
  return out;
}
