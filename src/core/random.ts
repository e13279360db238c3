// Random hex for markers that must not be guessed (the sudo prompt) and names that
// must not collide (temp files, locks). node:crypto costs ~6 ms to load, and the
// path to the first SSH connect does not need it: it is loaded on first use.
let crypto: typeof import('node:crypto') | undefined;

/** node:crypto, loaded on first call. */
export function nodeCrypto(): typeof import('node:crypto') {
  crypto ??= process.getBuiltinModule('node:crypto');
  return crypto;
}

export function randomHex(bytes: number): string {
  return nodeCrypto().randomBytes(bytes).toString('hex');
}
