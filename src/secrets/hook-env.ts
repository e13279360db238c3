// Secrets as environment for one hook's commands, never on a command line: each
// command starts by reading the values from its stdin (`IFS= read -r NAME`, which
// stops at the newline, so the command's own stdin follows untouched) and exports
// them. The command line carries only the variable names.
import type { Context } from '../core/context-types.js';
import { UsageError } from '../core/errors.js';
import type { RunOptions } from '../core/context-types.js';
import { assertOneLine } from '../core/secrets.js';

/** Methods that return (or call `fn` with) a derived context, which must read the secrets too. */
const DERIVING = new Set(['cd', 'withEnv', 'prefix', 'warnOnly']);

/** `c` whose `run` gets `env` (c.sudo, c.local and file transfers do not). */
export function secretEnvContext<C extends Context>(c: C, env: Readonly<Record<string, string>>): C {
  const names = Object.keys(env);
  for (const n of names) assertOneLine(env[n]!, `secret ${n}`, 'deliver a multi-line secret as the file (secretsFile), not as environment');
  const lines = names.map((n) => `${env[n]}\n`).join('');
  const head = `${names.map((n) => `IFS= read -r ${n}`).join(' && ')} || exit 70; export ${names.join(' ')}; `;
  const run = (target: Context) => (command: string, o: RunOptions = {}) => {
    if (o.pty) throw new UsageError('withSecrets: a command that gets secrets cannot use a pty (the secrets travel on its stdin)');
    const rest = o.stdin === undefined ? '' : o.stdin;
    const stdin = typeof rest === 'string' ? lines + rest : Buffer.concat([Buffer.from(lines), rest]);
    return target.run(head + command, { ...o, pty: false, stdin });
  };
  const wrap = (target: Context): Context =>
    new Proxy(target, {
      get(t, p) {
        if (p === 'run') return run(t);
        if (p === 'on') return (h: Parameters<Context['on']>[0]) => wrap(t.on(h));
        const value = Reflect.get(t, p, t) as unknown;
        if (typeof p === 'string' && DERIVING.has(p)) {
          return (...args: unknown[]) => {
            const last = args[args.length - 1];
            if (typeof last === 'function') args[args.length - 1] = (d: Context) => (last as (d: Context) => unknown)(wrap(d));
            const out = (value as (...a: unknown[]) => unknown).apply(t, args);
            return typeof last === 'function' ? out : wrap(out as Context);
          };
        }
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
      },
    });
  return wrap(c) as C;
}
