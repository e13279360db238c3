// Which secrets a deployfile may name: checked when the deployfile loads, so a
// typo in withSecrets([...]) is a usage error before anything runs.
import { UsageError } from '../core/errors.js';
import type { SecretSource } from './sources.js';

export type SecretsConfig = Readonly<Record<string, SecretSource>>;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The names as a dotenv file or the environment can hold them; each must be in `secrets`. */
export function checkNames(secrets: SecretsConfig | undefined, names: readonly string[], where: string): void {
  for (const name of names) {
    if (!NAME.test(name)) throw new UsageError(`${where}: secret name ${JSON.stringify(name)} must be a variable name (letters, digits, _)`, { code: 'config.invalid' });
    const source = secrets?.[name];
    if (!source || typeof source.read !== 'function') {
      throw new UsageError(`${where}: no secret ${name} in releaseTasks({ secrets })`, { code: 'config.invalid', hint: 'add it as secrets: { NAME: pass(...) } (or another adapter from dpl-deploy)' });
    }
  }
}

