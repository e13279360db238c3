// TCP connects started before the connection is needed. sshd forks and re-executes
// itself for every connection before it sends its banner; when the SYNs leave
// before dpl has loaded ssh2, the servers do that work while the client is still
// starting instead of after it (measured on the 50-host bench bed: see bench/).
import type { Socket } from 'node:net';
import { tcpSocket } from './connection.js';

/**
 * A socket whose errors are held until ssh2 takes it over: an 'error' event with
 * no listener would crash the process, and ssh2 only listens once connect() runs.
 */
export class PendingSocket {
  private failure: Error | undefined;
  private readonly hold = (err: Error): void => {
    this.failure ??= err;
  };

  constructor(readonly socket: Socket) {
    socket.on('error', this.hold);
  }

  /** Closed or failed before anyone used it. */
  get spent(): boolean {
    return this.failure !== undefined || this.socket.destroyed || this.socket.readableEnded;
  }

  /** Hand the socket to its new owner, who must attach its own 'error' listener at once. */
  release(): { socket: Socket; error: Error | undefined } {
    this.socket.off('error', this.hold);
    return { socket: this.socket, error: this.failure };
  }
}

/** Warm sockets by pool key; whatever is left unused is closed with the pool. */
export class WarmSockets {
  private readonly pending = new Map<string, PendingSocket>();

  open(key: string, hostname: string, port: number): void {
    if (!this.pending.has(key)) this.pending.set(key, new PendingSocket(tcpSocket(hostname, port)));
  }

  /** The warm socket for `key` if it is still usable; a spent one is dropped (the caller connects afresh). */
  take(key: string): PendingSocket | undefined {
    const p = this.pending.get(key);
    if (!p) return undefined;
    this.pending.delete(key);
    if (!p.spent) return p;
    p.release().socket.destroy();
    return undefined;
  }

  get size(): number {
    return this.pending.size;
  }

  closeAll(): void {
    for (const p of this.pending.values()) p.socket.destroy();
    this.pending.clear();
  }
}
