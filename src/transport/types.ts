// One interface for every way dpl reaches a host: ssh, local, dry-run.
// Commands arrive fully built (cd/env/prefix/sudo already applied by the
// Context through src/core/quote.ts); a transport only executes them.
import type { Duplex, Readable, Writable } from 'node:stream';
import type { Host } from '../core/host.js';

export interface ExecOptions {
  /** Kill the command on the host after this many ms (CommandTimeoutError). */
  timeoutMs?: number;
  /** Bytes written to the command's stdin, then stdin is closed. */
  stdin?: string | Buffer;
  /**
   * Copied to the command's stdin as it arrives (an upload's tar while it is packed), then
   * stdin is closed; when it fails, stdin is closed early. Not with `sudo`.
   */
  stdinStream?: Readable;
  /** Allocate a pseudo-terminal (needed by some sudo configurations). */
  pty?: boolean;
  /** Raw chunks as they arrive; the Context line-buffers them into events. */
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /**
   * The command was built by `sudoCommand` (sudo-protocol.ts) with these markers.
   * On the stream sudo prompts on (stderr; the one stream with a pty), before
   * `started` shows: the first `prompt` is answered with `password()` once. When
   * `started` shows, `stdin` is written and stdin ends; after that the output is
   * the command's and nothing is answered. Without `sudo`, stdin ends at once.
   */
  sudo?: { prompt: string; started: string; password: () => Promise<string> };
  signal?: AbortSignal;
  /**
   * dpl's own step script (src/deploy/remote.ts): it reads no stdin and leaves no process
   * behind, so it may run in the host's persistent step shell (src/ssh/step-shell.ts).
   */
  ownScript?: boolean;
}

/** A stage an output stream passes through (bytes in, bytes out; may hold a tail back until flush). */
export interface Filter {
  push(chunk: Buffer): Buffer;
  flush(): Buffer;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: string | null;
  durationMs: number;
}

export interface TransferResult {
  local: string;
  remote: string;
  bytes: number;
  files: number;
}

export interface GetOptions {
  /**
   * Copy what symlinks inside a directory point to (files, and directories not
   * already being copied). Default: skip them with a warning, as `sftp get -R` does.
   */
  followLinks?: boolean;
  /** Stop at once (InterruptedError, temp files removed) when this aborts. */
  signal?: AbortSignal;
}

/**
 * A session with the person at the keyboard (`dpl ssh`, `dpl -H host -- cmd` from a
 * terminal): bytes pass through untouched, nothing is line-split, recorded or masked.
 */
export interface InteractiveOptions {
  /** A pseudo-terminal of this type and size; absent: plain pipes, as `ssh -T`. */
  pty?: { term: string; rows: number; cols: number };
  /** Copied to the command's stdin; its end is the command's EOF. Absent: EOF at once. */
  stdin?: Readable;
  stdout: Writable;
  stderr: Writable;
  /** Kill the command on the host after this many ms (CommandTimeoutError). Default: none. */
  timeoutMs?: number;
  /** Called once the session runs, before any output: how to change its window or signal it. */
  onStart?: (session: InteractiveControl) => void;
}

export interface InteractiveControl {
  /** The local window changed size (SIGWINCH): tell the pty. */
  resize(rows: number, cols: number): void;
  /** Send a signal (`INT`, `TERM`) to the command's process group on the host. */
  signal(name: string): void;
}

export interface InteractiveResult {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: string | null;
  durationMs: number;
}

export type SocketTarget = { path: string } | { host: string; port: number };

export interface Transport {
  readonly kind: 'ssh' | 'local' | 'dry-run';
  readonly host: Host;
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Upload a file or directory (recursively); mode kept; written to a temp name then renamed. */
  put(localPath: string, remotePath: string, options?: { mode?: number }): Promise<TransferResult>;
  /** Download a file or a directory's contents (rules: docs/ssh.md "File transfer"). */
  get(remotePath: string, localPath: string, options?: GetOptions): Promise<TransferResult>;
  /**
   * Run `command`, or the login shell when it is undefined, attached to local streams
   * (and a pty). Only transports that reach a host over ssh have it.
   */
  interactive?(command: string | undefined, options: InteractiveOptions): Promise<InteractiveResult>;
  /** Open a stream to a unix socket or TCP port as seen from the host (HAProxy admin socket). */
  connect(target: SocketTarget): Promise<Duplex>;
  /** A hint that dpl's own scripts (a deploy's steps) come next: a transport may get ready to run them now. */
  warmSteps?(): void;
}

/** Owns every connection of a run; closed once at the end (and on Ctrl-C). */
export interface TransportPool {
  get(host: Host): Promise<Transport>;
  /** A hint that these hosts are about to be used: a pool may start connecting now. */
  warm?(hosts: Host[]): void;
  closeAll(how?: CloseHow): Promise<void>;
}

export interface CloseHow {
  /** The process exits right after: idle connections may be left for the kernel to close. */
  processExits?: boolean;
}
