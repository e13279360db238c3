// loadSsh2: the client side of ssh2 without its server, key generation and HTTP agents.
import { createRequire } from 'node:module';
import { expect, it } from 'vitest';
import { loadSsh2 } from '../../src/ssh/ssh2-load.js';

it('loads the parts of ssh2 a client uses, and not its server or HTTP agents', async () => {
  const ssh2 = await loadSsh2();
  for (const f of [ssh2.Client, ssh2.OpenSSHAgent, ssh2.BaseAgent, ssh2.utils.parseKey]) expect(typeof f).toBe('function');
  expect(await loadSsh2()).toBe(ssh2);
  const loaded = Object.keys(createRequire(import.meta.url).cache);
  expect(loaded.some((p) => p.endsWith('/ssh2/lib/client.js'))).toBe(true);
  expect(loaded.some((p) => p.endsWith('/ssh2/lib/server.js') || p.endsWith('/ssh2/lib/http-agents.js'))).toBe(false);
  // Parsed with the same parser the full package exports.
  const key = ssh2.utils.parseKey('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test');
  expect(key instanceof Error ? key.message : key.type).toBe('ssh-ed25519');
  // Host keys are checked without OpenSSL's PEM decoder (ssh2-patches.ts).
  const proto = Object.getPrototypeOf(key) as object;
  expect(Object.getOwnPropertySymbols(proto).map((s) => s.description)).toContain('dpl: verify with raw keys');
});
