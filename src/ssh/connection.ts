// One authenticated ssh2 connection (TCP_NODELAY socket, or a forwardOut stream
// through a jump connection). Every command, SFTP session and forward is a
// channel on it; `sessions` keeps us under OpenSSH's MaxSessions (10).
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Client, ClientChannel, PseudoTtyOptions, SFTPWrapper, ShellOptions } from 'ssh2';
import { Semaphore } from './semaphore.js';
import { StepShell } from './step-shell.js';

/** Why a connection dpl closed itself is gone (deadReason). */
export const CLOSED_BY_DPL = 'the connection was closed by dpl';

/** Exec sessions per connection; leaves room for SFTP and a kill channel under MaxSessions=10. */
const EXEC_SESSIONS = 8;

export class SshConnection {
  readonly sessions = new Semaphore(EXEC_SESSIONS);
  /** Commands in flight; aborted (and killed on the host) by close(). */
  readonly running = new Set<{ interrupt(): Promise<void> }>();
  /** Where dpl's own step scripts run, opened on first use. */
  readonly stepShell: StepShell = new StepShell(this);
  private dead: string | undefined;
  private sftpSession: Promise<SFTPWrapper> | undefined;
  private readonly closed: Promise<void>;
  private readonly closeListeners: Array<(reason: string) => void> = [];

  constructor(
    readonly client: Client,
    /** Pool key: user@host:port plus the jump chain. */
    readonly key: string,
    /** user@host:port, for messages. */
    readonly label: string,
    readonly authMethod: string,
    /** The TCP socket or jump channel under the client. */
    private readonly sock: Duplex,
    /** ForwardAgent: commands ask the host for agent forwarding (ssh2 was given the agent). */
    private forwardAgent = false,
  ) {
    let lastError: Error | undefined;
    client.on('error', (err: Error) => (lastError = err));
    this.closed = new Promise((resolve) => {
      client.once('close', () => {
        this.dead ??= lastError ? describeDrop(lastError) : 'the server closed the connection';
        for (const l of this.closeListeners) l(this.dead);
        resolve();
      });
    });
  }

  get alive(): boolean {
    return this.dead === undefined;
  }

  /** Why the connection is gone (undefined while alive). */
  get deadReason(): string | undefined {
    return this.dead;
  }

  onClose(listener: (reason: string) => void): void {
    if (this.dead !== undefined) listener(this.dead);
    else this.closeListeners.push(listener);
  }

  /**
   * Open an exec channel. `setup` runs synchronously in ssh2's callback: a short
   * command's output, exit status and close can arrive in the same packet batch,
   * before an awaiting caller would have attached its listeners.
   */
  exec(command: string, pty: boolean, setup: (channel: ClientChannel) => void): Promise<void> {
    return this.session(command, pty ? { term: 'dumb' } : undefined, setup);
  }

  /**
   * A session channel running `command`, or the login shell when it is undefined
   * (`dpl ssh`), on a pty with these settings or on plain pipes. `setup` as for exec().
   */
  session(command: string | undefined, pty: PseudoTtyOptions | undefined, setup: (channel: ClientChannel) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const run = (forward: boolean): void => {
        const opts: { pty?: PseudoTtyOptions; agentForward?: boolean } = pty ? { pty } : {};
        if (forward) opts.agentForward = true;
        const done = (err: Error | undefined, channel: ClientChannel): void => {
          // A server that refuses forwarding (AllowAgentForwarding no, a certificate
          // without permit-agent-forwarding) still runs commands, as with ssh.
          if (err && forward && /agent forwarding/i.test(err.message)) {
            this.forwardAgent = false;
            return run(false);
          }
          if (err) return reject(err);
          setup(channel);
          resolve();
        };
        try {
          if (command !== undefined) this.client.exec(command, opts, done);
          // ssh2 reads agentForward from a shell's options too (its types leave it out).
          else this.client.shell(pty ?? false, (forward ? { agentForward: true } : {}) as ShellOptions, done);
        } catch (err) {
          reject(err);
        }
      };
      run(this.forwardAgent);
    });
  }

  /** The connection's one SFTP session, opened on first use. */
  sftp(): Promise<SFTPWrapper> {
    if (!this.sftpSession) {
      const open = (): Promise<SFTPWrapper> =>
        new Promise<SFTPWrapper>((resolve, reject) => {
          this.client.sftp((err, sftp) => (err ? reject(err) : resolve(sftp)));
        });
      this.sftpSession = (async () => {
        for (let attempt = 0; ; attempt++) {
          try {
            return await open();
          } catch (err) {
            // A session slot freed a moment ago may not be free yet on the server (MaxSessions).
            if (!this.alive || !/open failed/i.test((err as Error).message) || attempt >= 25) throw err;
            await new Promise((r) => setTimeout(r, 10 * (attempt + 1)));
          }
        }
      })();
      this.sftpSession.then(
        (s) => s.on('close', () => (this.sftpSession = undefined)),
        () => (this.sftpSession = undefined),
      );
    }
    return this.sftpSession;
  }

  /** A TCP stream to host:port as seen from this host (also how jump hops ride). */
  forwardOut(host: string, port: number): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      this.client.forwardOut('127.0.0.1', 0, host, port, (err, ch) => (err ? reject(err) : resolve(ch)));
    });
  }

  /** A stream to a unix socket on this host (OpenSSH streamlocal forwarding). */
  forwardUnix(path: string): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      this.client.openssh_forwardOutStreamLocal(path, (err, ch) => (err ? reject(err) : resolve(ch)));
    });
  }

  /**
   * Called when the process is about to exit: an idle connection on its own TCP
   * socket needs no SSH goodbye, the kernel closes the socket and sshd sees EOF
   * (as when `ssh` exits). Each goodbye woke an sshd that preempted us: ~40 ms at
   * the end of a 50-host run on 2 cores. False when close() is still needed.
   */
  leaveToExit(): boolean {
    if (this.dead !== undefined || this.running.size > 0 || !(this.sock instanceof Socket)) return false;
    this.dead = 'left for the process exit to close';
    return true;
  }

  /** Interrupt running commands (killing them on the host), then disconnect. */
  async close(graceMs = 2000): Promise<void> {
    if (this.dead === undefined) {
      const cap = (p: Promise<unknown>) => Promise.race([p, new Promise((r) => setTimeout(r, graceMs).unref())]);
      await cap(Promise.allSettled([...this.running].map((r) => r.interrupt())));
      this.dead = CLOSED_BY_DPL;
      this.client.end();
      // Done once our disconnect is flushed: waiting for the server's FIN too cost
      // a round trip per host at the end of every run.
      const flushed = new Promise<void>((r) => (this.sock.writableFinished ? r() : this.sock.once('finish', () => r())));
      await cap(Promise.race([this.closed, flushed]));
      this.client.destroy();
    }
  }
}

/** Human reason for a dropped or failed connection, from an ssh2 / socket error. */
export function describeDrop(err: Error & { code?: string; level?: string }, where?: string): string {
  const at = where ? ` (${where})` : '';
  switch (err.code) {
    case 'ECONNREFUSED':
      return `connection refused${at}`;
    case 'ECONNRESET':
      return `connection reset by peer${at}`;
    case 'ETIMEDOUT':
      return `connection timed out${at}`;
    case 'EHOSTUNREACH':
      return `host unreachable${at}`;
    case 'ENETUNREACH':
      return `network unreachable${at}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve host name${at}`;
    case 'EPIPE':
      return `connection closed by peer${at}`;
  }
  if (err.message === 'Keepalive timeout') return `no answer to keepalives; the host or network went away${at}`;
  if (err.message === 'Connection lost before handshake') return `the server closed the connection before the SSH handshake${at}`;
  return `${err.message}${at}`;
}

/** A TCP socket with Nagle off: without it every command waits ~40 ms for delayed ACKs. */
export function tcpSocket(host: string, port: number): Socket {
  const sock = new Socket();
  sock.setNoDelay(true);
  sock.connect({ host, port });
  return sock;
}

