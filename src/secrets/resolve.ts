// Reading the deployfile's secrets: locally, each at most once per run (cached in the
// session's state, so every task and batch shares it), and each value registered
// with the run's secrets before anything can print it.
import type { Context } from '../core/context-types.js';
import { internal } from '../core/internal.js';
import { SecretError } from './run-cli.js';
import { checkNames, type SecretsConfig } from './names.js';
import type { SecretSource } from './sources.js';

export type { SecretsConfig };

const CACHE_KEY = 'dpl.secrets.values';

/** The values of `names`, in order: read now or earlier in this run. */
export async function resolveSecrets(c: Context, secrets: SecretsConfig, names: readonly string[]): Promise<Record<string, string>> {
  checkNames(secrets, names, 'secrets');
  let cache = c.session.get<Map<string, Promise<string>>>(CACHE_KEY);
  if (!cache) c.session.set(CACHE_KEY, (cache = new Map()));
  const events = internal(c).runImpl.events;
  const values = await Promise.all(
    names.map((name) => {
      let value = cache.get(name);
      if (!value) {
        value = read(secrets[name]!, name, c.session.root, (t) => events.scrubText(t)).then((v) => {
          events.redact(v);
          return v;
        });
        cache.set(name, value);
      }
      return value;
    }),
  );
  return Object.fromEntries(names.map((n, i) => [n, values[i]!]));
}

async function read(source: SecretSource, name: string, root: string, scrub: (t: string) => string): Promise<string> {
  let value: string;
  try {
    value = await source.read({ name, root, scrub });
  } catch (e) {
    if (e instanceof SecretError && e.message.startsWith(`secret ${name} `)) throw e;
    throw new SecretError(`secret ${name} (${source.adapter}): ${scrub(e instanceof Error ? e.message : String(e))}`, { cause: e });
  }
  if (!value) throw new SecretError(`secret ${name} (${source.adapter}) is empty`, { hint: 'the adapter printed nothing: check the entry holds a value' });
  return value;
}
