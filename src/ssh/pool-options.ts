// The connection pool's options (pool.ts), as the CLI and the deployfile's defaults set them.
import type { Prompter } from '../core/context-types.js';
import type { EventBus } from '../core/events.js';

export interface SshPoolOptions {
  events: EventBus; // emit 'log' events (level 'debug' for timings) — never print
  prompter: Prompter;
  signal?: AbortSignal; // Ctrl-C: close everything
  configFile?: string; // -F; default: ~/.ssh/config, then /etc/ssh/ssh_config, as ssh reads them
  knownHostsFile?: string; // --known-hosts: like ssh -o UserKnownHostsFile=…, wins over the config
  acceptNewHostKeys?: boolean; // like StrictHostKeyChecking accept-new
  insecureIgnoreHostKeys?: boolean; // StrictHostKeyChecking no (explicit flag only)
  identityFiles?: string[]; // -i: tried before the config's IdentityFile
  user?: string;
  port?: number; // -u / -p: win over the config (as ssh -l / -p); a host string's own user/port wins over them
  /** The deployfile's defaults: used when neither the host, the command line nor the ssh config says. */
  defaultUser?: string;
  defaultPort?: number;
  jump?: string; // gateway for every host (-g), "user@host:port"
  connectTimeoutMs?: number; // default 10000
  commandTimeoutMs?: number; // default none; ExecOptions.timeoutMs wins
  keepaliveIntervalMs?: number;
  maxConcurrentConnects?: number; // default 50
  /** Open connections at most (--max-connections); idle ones past it close and reopen on demand. Default 1000. */
  maxConnections?: number;
  /** ssh-agent socket; default $SSH_AUTH_SOCK; null disables the agent. */
  agentSocket?: string | null;
}
