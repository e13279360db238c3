// The shapes auth.ts and its helpers (certificate-auth.ts, auth-agent.ts) pass
// between them, apart so the helpers need not import auth.ts.
import type { AnyAuthMethod, ParsedKey } from 'ssh2';

export interface Step {
  kind: 'publickey' | 'password' | 'keyboard-interactive';
  make(): Promise<{ method: AnyAuthMethod; label: string } | null>;
}

export interface Identity {
  data?: Buffer;
  readError?: string;
  key?: ParsedKey;
  parseError?: string;
  encrypted: boolean;
  /** Public blob from the .pub file, to skip keys the agent already offered. */
  pub: Buffer | null;
}
