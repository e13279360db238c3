// OpenSSH's expansions: `~` and `~user` (from the password database, not $HOME,
// as ssh does), %-tokens (an unknown token is an error, as in ssh), and `${VAR}`.
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { UsageError } from '../../core/errors.js';

/** The current user's home directory from the password database (what ssh calls pw_dir). */
export function passwdHome(): string {
  return userInfo().homedir;
}

function homeOf(user: string): string | undefined {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === user) return f[5];
    }
  } catch {
    // no passwd file
  }
  return undefined;
}

/** tilde_expand_filename(): `~/x` and `~user/x`; other paths unchanged. */
export function tildeExpand(path: string): string {
  if (!path.startsWith('~')) return path;
  const slash = path.indexOf('/');
  const user = path.slice(1, slash < 0 ? undefined : slash);
  const home = user ? homeOf(user) : passwdHome();
  if (home === undefined) throw new UsageError(`no such user ${JSON.stringify(user)} in the path ${path}`, { code: 'ssh-config.invalid' });
  if (slash < 0) return home;
  return `${home.replace(/\/$/, '')}${path.slice(slash)}`;
}

export type Tokens = Record<string, () => string>;

/** percent_expand(): `%%` and the tokens given; any other `%x`, or a `%` at the end, is an error naming `what`. */
export function percentExpand(s: string, tokens: Tokens, what: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '%') {
      out += s[i];
      continue;
    }
    const c = s[++i];
    if (c === '%') out += '%';
    else if (c !== undefined && tokens[c]) out += tokens[c]();
    else
      throw new UsageError(c === undefined ? `${what}: "${s}" ends with a lone %` : `${what}: unknown %-token %${c} in "${s}"`, {
        code: 'ssh-config.invalid',
        hint: `ssh allows here: ${Object.keys(tokens).map((k) => `%${k}`).join(' ')} and %%`,
      });
  }
  return out;
}

/** dollar_expand(): `${NAME}` from the environment; an unset variable is an error, as in ssh. */
export function dollarExpand(s: string, what: string, env: NodeJS.ProcessEnv = process.env): string {
  return s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const v = env[name];
    if (v === undefined) throw new UsageError(`${what}: environment variable ${name} in "${s}" is not set`, { code: 'ssh-config.invalid' });
    return v;
  });
}
