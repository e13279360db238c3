// The secrets of one dpl process: every value here is masked in everything dpl
// writes (events, reporters, the run log, webhooks, the `dpl: error:` line).
// The CLI creates one at start-up and takes the secret variables out of the
// environment into it, before any child process exists: children (c.local,
// ProxyCommand, git, build hooks) inherit process.env, and must not get them.
import { UsageError } from './errors.js';

/**
 * Prompt keys whose answers may come from the environment, as DPL_<KEY> or, for a
 * key with a qualifier ('ssh.password:deploy'), DPL_<KEY>_<QUALIFIER> first.
 */
export const ENV_SECRET_KEYS = ['sudo.password', 'ssh.password', 'ssh.passphrase', 'ssh.kbd'] as const;

/** Shorter values would mask ordinary text (`ok`, `1`) everywhere. */
const MIN_MASKED = 3;

/** 'ssh.password:deploy' → [DPL_SSH_PASSWORD_DEPLOY, DPL_SSH_PASSWORD]: the specific name first. */
export function secretEnvNames(key: string): string[] {
  const names = [key, key.split(':')[0]!].map((k) => `DPL_${k.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`);
  return [...new Set(names)];
}

const ENV_BASES = ENV_SECRET_KEYS.map((k) => secretEnvNames(k)[0]!);

/** DPL_SUDO_PASSWORD, DPL_SSH_PASSWORD, DPL_SSH_PASSWORD_<USER>, DPL_SSH_PASSPHRASE_<KEY>, ... */
export function isSecretEnvName(name: string): boolean {
  return ENV_BASES.some((base) => name === base || name.startsWith(`${base}_`));
}

/**
 * Refuse (exit 2) a secret of more than one line, naming where it came from, never
 * showing it: sudo reads its password up to the first newline, and the rest
 * would become the command's stdin.
 */
export function assertOneLine(value: string, what: string, hint = `set ${what} to the secret alone, without a newline or carriage return`): void {
  if (!isMultiLine(value)) return;
  throw new UsageError(`${what} holds more than one line; a secret must be a single line (sudo reads one line, and the rest would reach the command's stdin)`, { hint });
}

function isMultiLine(value: string): boolean {
  return /[\r\n]/.test(value);
}

export class Secrets {
  /** Longest first, so a secret that contains another is masked whole. */
  private masked: string[] = [];
  private readonly fromEnv = new Map<string, string>();

  /**
   * Move these variables (default: every secret variable) out of `env` into here,
   * masked from now on. Empty ones are removed too and count as unset.
   */
  takeEnv(env: NodeJS.ProcessEnv, names: string[] = Object.keys(env).filter(isSecretEnvName)): void {
    for (const name of names) {
      const value = env[name];
      delete env[name];
      if (!value) continue;
      this.fromEnv.set(name, value);
      this.add(value);
    }
  }

  /** A variable taken by `takeEnv`. */
  envValue(name: string): string | undefined {
    return this.fromEnv.get(name);
  }

  /** Refuse (exit 2) a secret variable holding more than one line. */
  checkEnv(): void {
    for (const [name, value] of this.fromEnv) assertOneLine(value, name);
  }

  /** Mask `secret` from now on; one of several lines is masked line by line too (output is shown by lines). */
  add(secret: string): void {
    const parts = isMultiLine(secret) ? [secret, ...secret.split(/[\r\n]+/)] : [secret];
    const fresh = parts.filter((s) => s.length >= MIN_MASKED && !this.masked.includes(s));
    if (fresh.length) this.masked = [...this.masked, ...new Set(fresh)].sort((a, b) => b.length - a.length);
  }

  get size(): number {
    return this.masked.length;
  }

  /** Whether a secret occurs in a string of this JSON text (escaped as JSON escapes it). */
  inJson(json: string): boolean {
    return this.masked.some((s) => json.includes(JSON.stringify(s).slice(1, -1)));
  }

  /** The text with every secret replaced by ***. */
  scrub(text: string): string {
    let out = text;
    for (const s of this.masked) if (out.includes(s)) out = out.split(s).join('***');
    return out;
  }
}
