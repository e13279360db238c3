// Loading ssh2: its client side only, once per process (a lazy cache).
import { coalesceClientWrites, poolPadding, quietChannelDestroy } from './ssh2-packets.js';
import { hostKeysWithoutPem, requireSsh2, verifyWithRawKeys } from './ssh2-patches.js';

/** The part of ssh2 a client uses. */
export interface Ssh2 {
  Client: typeof import('ssh2').Client;
  OpenSSHAgent: typeof import('ssh2').OpenSSHAgent;
  BaseAgent: typeof import('ssh2').BaseAgent;
  utils: { parseKey: typeof import('ssh2').utils.parseKey };
}

let loaded: Ssh2 | undefined;

/**
 * ssh2's client side only. Its index also loads the server, key generation and
 * HTTP agents (node:http, https and tls), CPU a client never uses, spent while
 * 50 sshds start. The whole package if the layout differs.
 */
export async function loadSsh2(): Promise<Ssh2> {
  if (loaded) return loaded;
  try {
    // Before the client (kex.js) binds it.
    hostKeysWithoutPem(requireSsh2('ssh2/lib/protocol/keyParser.js'));
  } catch {
    // another layout of ssh2: its own parser
  }
  try {
    const agent = requireSsh2('ssh2/lib/agent.js') as Pick<Ssh2, 'OpenSSHAgent' | 'BaseAgent'>;
    const parts: Ssh2 = {
      Client: requireSsh2('ssh2/lib/client.js') as Ssh2['Client'],
      OpenSSHAgent: agent.OpenSSHAgent,
      BaseAgent: agent.BaseAgent,
      utils: { parseKey: (requireSsh2('ssh2/lib/protocol/keyParser.js') as Ssh2['utils']).parseKey },
    };
    if ([parts.Client, parts.OpenSSHAgent, parts.BaseAgent, parts.utils.parseKey].every((f) => typeof f === 'function')) loaded = parts;
  } catch {
    // the package's own entry, below
  }
  loaded ??= requireSsh2('ssh2') as Ssh2;
  verifyWithRawKeys(loaded.utils.parseKey);
  patchPackets(loaded.Client);
  return loaded;
}

/** The per-packet and per-command patches (ssh2-packets.ts); a layout they do not know is left alone. */
function patchPackets(Client: unknown): void {
  try {
    poolPadding(requireSsh2('ssh2/lib/protocol/crypto.js'));
    quietChannelDestroy(requireSsh2('ssh2/lib/Channel.js'));
  } catch {
    // another layout of ssh2: its own padding and channels
  }
  coalesceClientWrites(Client);
}
