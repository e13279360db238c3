// Killing a command on the host, not just abandoning it. sshd makes every session
// a new session and process group led by the login shell; when a timeout applies
// the command reports that shell's pid first, and a second channel kills the whole
// group (TERM, then KILL) — through sudo too when the command ran under sudo, since
// the login user cannot signal root's processes. Without the pid we fall back to a
// channel signal, which OpenSSH >= 7.9 turns into killpg().
import type { ClientChannel } from 'ssh2';
import type { ExecOptions } from '../transport/types.js';
import { sudoCommand, sudoMarkers } from '../transport/sudo-protocol.js';

/** Prefix that prints `\x1edpl-pgid:<pid>` on stderr (stripped by PidMarkerFilter). Assumes a POSIX login shell. */
export const withPidMarker = (command: string): string => `printf '\\036dpl-pgid:%s\\n' "$$" >&2\n${command}`;

function killScript(pgid: number): string {
  // `kill -SIG -pgid` (no `--`: dash's builtin rejects it).
  return (
    `P=${pgid}; kill -TERM -$P 2>/dev/null || exit 0; i=0; ` +
    `while [ $i -lt 10 ] && kill -0 -$P 2>/dev/null; do sleep 0.1; i=$((i+1)); done; ` +
    `kill -KILL -$P 2>/dev/null; exit 0`
  );
}

/**
 * Send a signal over the channel. ssh2's channel.signal() silently drops the
 * request once we sent EOF on stdin (which we do early), so go to the protocol.
 */
export function sendSignal(ch: ClientChannel, name: string): void {
  const c = ch as ClientChannel & {
    outgoing?: { id: number; state: string };
    _client?: { _protocol?: { signal(id: number, name: string): void } };
  };
  try {
    const proto = c._client?._protocol;
    if (proto && c.outgoing && (c.outgoing.state === 'open' || c.outgoing.state === 'eof')) proto.signal(c.outgoing.id, name);
    else ch.signal(name);
  } catch {
    // channel already gone
  }
}

export type RunHelper = (command: string, options: ExecOptions) => Promise<unknown>;

/** Kill the command's process group on the host; resolves when done (at most ~5 s). */
export async function killOnHost(
  ch: ClientChannel,
  pgid: number | undefined,
  sudo: ExecOptions['sudo'],
  signal: 'KILL' | 'TERM',
  run: RunHelper,
): Promise<void> {
  if (pgid === undefined) {
    sendSignal(ch, signal);
    return;
  }
  const script = killScript(pgid);
  const kills = [run(script, {}).catch(() => undefined)];
  if (sudo) {
    // A sudo of its own (fresh markers), with the same password source.
    const markers = sudoMarkers();
    kills.push(run(sudoCommand(script, markers), { sudo: { ...markers, password: sudo.password } }).catch(() => undefined));
  }
  await Promise.race([Promise.all(kills), new Promise((r) => setTimeout(r, 5000).unref())]);
}
