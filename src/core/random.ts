// Random hex for markers that must not be guessed (the sudo prompt) and names that
// must not collide (temp files, locks). node:crypto costs ~6 ms to load, and the
// path to the first SSH connect does not need it: it is loaded on first use.
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);
let crypto: typeof import('node:crypto') | undefined;

/** node:crypto, loaded on first call. */
export function nodeCrypto(): typeof import('node:crypto') {
  crypto ??= load('node:crypto') as typeof import('node:crypto');
  return crypto;
}

export function randomHex(bytes: number): string {
  return nodeCrypto().randomBytes(bytes).toString('hex');
}
