// Bytes made once and read by many: an upload's tar is sent to every host of a
// plan while it is still being packed. Each reader replays what was made so far
// and then follows; nothing is copied, and a failure reaches every reader.
import { Readable } from 'node:stream';

export class Broadcast {
  private readonly chunks: Buffer[] = [];
  private readonly waiting = new Set<() => void>();
  private ended = false;
  private bytes = 0;
  /** Set when the maker failed: readers end with it. */
  failure: Error | undefined;
  readonly done: Promise<number>;
  private settle!: (n: number) => void;
  private reject!: (e: Error) => void;

  constructor() {
    this.done = new Promise<number>((res, rej) => {
      this.settle = res;
      this.reject = rej;
    });
    this.done.catch(() => undefined);
  }

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    this.wake();
  }

  end(): void {
    this.ended = true;
    this.settle(this.bytes);
    this.wake();
  }

  fail(error: Error): void {
    this.failure = error;
    this.reject(error);
    this.wake();
  }

  private wake(): void {
    const w = [...this.waiting];
    this.waiting.clear();
    for (const f of w) f();
  }

  /** A stream of every byte, from the first. */
  reader(): Readable {
    let i = 0;
    // Push what there is; with nothing new, wait for the maker (push() ends a pending read).
    const pump = (): void => {
      if (this.failure) return void stream.destroy(this.failure);
      while (i < this.chunks.length) if (!stream.push(this.chunks[i++])) return;
      if (this.ended) stream.push(null);
      else this.waiting.add(pump);
    };
    const stream: Readable = new Readable({ read: pump });
    return stream;
  }
}
