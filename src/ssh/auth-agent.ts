// ssh-agent for client authentication. Its keys are listed once per connection, not
// per run: keys may be added to or removed from the agent while a run goes on, and a
// listing is one local round trip. ssh2 is handed a fixed list (what IdentitiesOnly
// lets through) while the agent itself still signs.
import type { AnyAuthMethod, ParsedKey } from 'ssh2';
import { agentSigner, type Signer } from './certificate-auth.js';
import type { Ssh2 } from './ssh2-load.js';

export interface AgentAuth {
  /** The agent's keys (listed once per connection), less those IdentitiesOnly rules out. */
  keys(): Promise<ParsedKey[]>;
  /** An agent login offering exactly `keys`, in order. */
  method(username: string, keys: ParsedKey[]): AnyAuthMethod;
  /** Signatures by the agent key `key`. */
  signer(key: ParsedKey): Signer;
}

/** Every key the agent at `socket` holds; none when it does not answer within 3 s. */
export function listAgentKeys(ssh2: Ssh2, socket: string): Promise<ParsedKey[]> {
  const agent = new ssh2.OpenSSHAgent(socket);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve([]), 3000);
    agent.getIdentities((err, keys) => {
      clearTimeout(timer);
      resolve(err || !keys ? [] : keys.filter((k): k is ParsedKey => typeof (k as ParsedKey).getPublicSSH === 'function'));
    });
  });
}

/**
 * The agent at `socket` for one connection. `allowed`, when IdentitiesOnly is on,
 * gives the public blobs of the identity files: only those agent keys are used.
 */
export function createAgentAuth(ssh2: Ssh2, socket: string, allowed: (() => Promise<Buffer[]>) | null): AgentAuth {
  let listed: Promise<ParsedKey[]> | undefined;
  const keys = (): Promise<ParsedKey[]> => {
    listed ??= listAgentKeys(ssh2, socket).then(async (all) => {
      if (!allowed) return all;
      const blobs = await allowed();
      return all.filter((k) => blobs.some((b) => b.equals(k.getPublicSSH())));
    });
    return listed;
  };
  const listAgent = (offered: ParsedKey[]): InstanceType<Ssh2['BaseAgent']> => {
    const inner = new ssh2.OpenSSHAgent(socket);
    class ListAgent extends ssh2.BaseAgent<ParsedKey> {
      getIdentities(cb: (err: Error | undefined, keys?: ParsedKey[]) => void): void {
        cb(undefined, offered);
      }
      sign(pubKey: ParsedKey, data: Buffer, options: unknown, cb?: unknown): void {
        (inner.sign as (...a: unknown[]) => void)(pubKey, data, options, cb);
      }
    }
    return new ListAgent();
  };
  return {
    keys,
    method: (username, offered) => ({ type: 'agent', username, agent: listAgent(offered) }),
    signer: (key) => agentSigner(new ssh2.OpenSSHAgent(socket), key),
  };
}
