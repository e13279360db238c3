// Output filters for one ssh command stream: the pid marker of the command
// wrapper, and chaining (the sudo filter is shared: src/transport/sudo-protocol.ts).
import type { Filter } from '../transport/types.js';

export type { Filter } from '../transport/types.js';

export const PID_MARK = '\x1edpl-pgid:';
const MARK_RE = /\x1edpl-pgid:(\d+)\r?\n/;

/**
 * Strips the `\x1edpl-pgid:<pid>` line the command wrapper prints first and reports
 * the pid (the session leader, so also the process group to kill on timeout).
 */
export class PidMarkerFilter implements Filter {
  private pending = '';
  private seen = 0;
  private done = false;

  constructor(private readonly onPid: (pid: number) => void) {}

  push(chunk: Buffer): Buffer {
    if (this.done) return chunk;
    const s = this.pending + chunk.toString('latin1');
    this.seen += chunk.length;
    const m = MARK_RE.exec(s);
    if (m) {
      this.done = true;
      this.pending = '';
      this.onPid(Number(m[1]));
      return Buffer.from(s.slice(0, m.index) + s.slice(m.index + m[0].length), 'latin1');
    }
    const start = s.indexOf('\x1e');
    if (start < 0 || this.seen > 8192 || s.length - start > 64) {
      if (this.seen > 8192) this.done = true;
      this.pending = '';
      return Buffer.from(s, 'latin1');
    }
    this.pending = s.slice(start);
    return Buffer.from(s.slice(0, start), 'latin1');
  }

  flush(): Buffer {
    const s = this.pending;
    this.pending = '';
    return Buffer.from(s, 'latin1');
  }
}

/** Chain filters: each one's output feeds the next. */
export function chain(filters: Filter[]): Filter {
  return {
    push(chunk) {
      return filters.reduce((c, f) => (c.length ? f.push(c) : c), chunk);
    },
    flush() {
      let out = Buffer.alloc(0);
      for (const f of filters) {
        const pushed = out.length ? f.push(out) : Buffer.alloc(0);
        out = Buffer.concat([pushed, f.flush()]);
      }
      return out;
    },
  };
}

/**
 * Passes a step-shell stream through until `mark` and the rest of its line, which it
 * swallows and keeps in `end` (the exit status on stdout, nothing on stderr). A tail
 * that could be the start of the mark is held back until the next chunk decides it.
 */
export class EndMarkFilter implements Filter {
  private pending = '';
  /** The rest of the mark's line, once it was seen. */
  end: string | undefined;

  constructor(private readonly mark: string) {}

  push(chunk: Buffer): Buffer {
    if (this.end !== undefined) return Buffer.alloc(0);
    const s = this.pending + chunk.toString('latin1');
    const at = s.indexOf(this.mark);
    if (at >= 0) {
      const nl = s.indexOf('\n', at);
      this.pending = nl < 0 ? s.slice(at) : '';
      if (nl >= 0) this.end = s.slice(at + this.mark.length, nl);
      return Buffer.from(s.slice(0, at), 'latin1');
    }
    let keep = Math.min(this.mark.length - 1, s.length);
    while (keep > 0 && !this.mark.startsWith(s.slice(s.length - keep))) keep--;
    this.pending = s.slice(s.length - keep);
    return Buffer.from(s.slice(0, s.length - keep), 'latin1');
  }

  flush(): Buffer {
    const s = this.pending;
    this.pending = '';
    return Buffer.from(s, 'latin1');
  }
}
