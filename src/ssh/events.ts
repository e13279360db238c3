// The SSH layer's warnings and notes as typed events: a host key recorded or let
// through with host key checking off, a -i identity file missing, agent forwarding
// refused, and entries an sftp get skipped. Words: src/reporters/format/ssh.ts.
// (Connection traces, "connected to …", "reconnecting …", stay debug 'log' lines.)

declare module '../core/events.js' {
  interface EventMap {
    /**
     * recorded: a new key written to `file` (accept-new). changed/revoked: let through only because host key
     * checking is off (`was`: the known key's fingerprint; `entry`: "file line N"; `certificate`: the CA's
     * fingerprint and whether the CA or the certified key is the revoked one).
     */
    'ssh.host-key': {
      host: string;
      name: string;
      state: 'recorded' | 'changed' | 'revoked';
      keyType: string;
      fingerprint: string;
      file?: string;
      was?: string;
      entry?: string;
      certificate?: { ca: string; revoked: 'ca' | 'key' };
    };
    /** A -i identity file that does not exist (ssh warns and goes on). */
    'ssh.identity-missing': { host: string; file: string };
    /** ForwardAgent asked for a host whose key was not verified: not forwarded. */
    'ssh.agent-off': { host: string; label: string };
    /** An sftp get skipped an entry: a symlink (not followed, dangling, or back into a directory already copied) or a special file. */
    'sftp.skipped': { host: string; path: string; reason: 'symlink' | 'dangling' | 'loop' | 'special'; target?: string };
  }
}

export type SshEvent = 'ssh.host-key' | 'ssh.identity-missing' | 'ssh.agent-off' | 'sftp.skipped';
