// What put and get share over ssh2's SFTPWrapper: promise wrappers, file types from
// SFTP modes, the `~` rule, and the stop switch that ends a transfer at the first
// Ctrl-C instead of letting it run on (a stalled or endless server never answers).
import { readFileSync } from 'node:fs';
import type { SFTPWrapper, Stats } from 'ssh2';
import { InterruptedError } from '../core/errors.js';
import type { SignalHub } from './signals.js';

export const call = <T>(fn: (cb: (err: Error | null | undefined, v?: T) => void) => void): Promise<T> =>
  new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v as T))));

const S_IFMT = 0o170000;
const TYPES: Record<number, 'dir' | 'file' | 'link'> = { 0o040000: 'dir', 0o100000: 'file', 0o120000: 'link' };

/** The file type an SFTP mode says; 'other' for fifos, sockets, devices and modes the server left out. */
export function fileType(mode: number | undefined): 'dir' | 'file' | 'link' | 'other' {
  return mode === undefined ? 'other' : (TYPES[mode & S_IFMT] ?? 'other');
}

/** `~/x` → `x`: SFTP paths are relative to the login directory, it has no `~`. */
export function remotePath(p: string): string {
  if (p === '~') return '.';
  return p.startsWith('~/') ? p.slice(2) || '.' : p;
}

export function sftpReason(err: unknown): string {
  const e = err as Error & { code?: number | string };
  if (e.code === 2) return 'no such file or directory';
  if (e.code === 3) return 'permission denied';
  return e.message;
}

export async function remoteStat(sftp: SFTPWrapper, p: string): Promise<Stats | null> {
  try {
    return await call<Stats>((cb) => sftp.stat(p, cb));
  } catch {
    return null;
  }
}

/** Run `fn` on every item, `limit` at a time; after a failure start no more, and wait for the running ones before throwing it. */
export async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && i < items.length) {
      try {
        await fn(items[i++]!);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
}

/**
 * Ends every wait of one transfer with an InterruptedError as soon as `signal`
 * aborts. One listener per transfer, through the pool's SignalHub: parallel hosts
 * share the run's signal.
 */
export class TransferStop {
  private readonly waiters = new Set<(err: Error) => void>();
  private readonly unsubscribe: () => void;
  private stopped = false;

  constructor(
    private readonly what: string,
    signal: AbortSignal | undefined,
    hub: SignalHub,
  ) {
    this.unsubscribe = signal
      ? hub.subscribe(signal, () => {
          this.stopped = true;
          for (const w of this.waiters) w(this.error());
        })
      : () => undefined;
    if (signal?.aborted) this.stopped = true;
  }

  get aborted(): boolean {
    return this.stopped;
  }

  error(): InterruptedError {
    return new InterruptedError(`${this.what}: interrupted`);
  }

  check(): void {
    if (this.stopped) throw this.error();
  }

  /** `p`, or an InterruptedError the moment the signal aborts; `p` is then left to settle unobserved. */
  race<T>(p: Promise<T>): Promise<T> {
    if (this.stopped) {
      p.catch(() => undefined);
      return Promise.reject(this.error());
    }
    return new Promise<T>((resolve, reject) => {
      const waiter = (err: Error): void => reject(err);
      this.waiters.add(waiter);
      p.then(
        (v) => (this.waiters.delete(waiter), resolve(v)),
        (e: unknown) => (this.waiters.delete(waiter), reject(e)),
      );
    });
  }

  dispose(): void {
    this.unsubscribe();
  }
}

/**
 * The permission bits a downloaded file or directory may keep: the process umask
 * applies, as with `sftp get` (a host's 0777 must not become world-writable here).
 * Read from /proc (process.umask() reads by writing it); 022 where there is none.
 */
export function keptBits(): number {
  try {
    const m = /^Umask:\s*([0-7]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return 0o777 & ~parseInt(m[1]!, 8);
  } catch {
    // not Linux
  }
  return 0o755;
}
