// Output filters for one command stream. Work on latin1 strings so bytes pass
// through unchanged and a pattern split across chunks is still found.

export interface Filter {
  push(chunk: Buffer): Buffer;
  flush(): Buffer;
}

interface Pattern {
  text: string;
  onMatch?: () => void;
  /** Leave the text in the output (watch only). */
  keep?: boolean;
}

const toLatin1 = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

/** Removes every occurrence of the patterns from the stream (unless `keep`), calling onMatch for each. */
export class PatternFilter implements Filter {
  private pending = '';
  private readonly patterns: Pattern[] = [];

  add(text: string, onMatch?: () => void, keep = false): void {
    if (text) this.patterns.push({ text: toLatin1(text), onMatch, keep });
  }

  push(chunk: Buffer): Buffer {
    let s = this.pending + chunk.toString('latin1');
    let out = '';
    for (;;) {
      let best: { at: number; p: Pattern } | undefined;
      for (const p of this.patterns) {
        const at = s.indexOf(p.text);
        if (at >= 0 && (!best || at < best.at)) best = { at, p };
      }
      if (!best) break;
      out += s.slice(0, best.at) + (best.p.keep ? best.p.text : '');
      s = s.slice(best.at + best.p.text.length);
      best.p.onMatch?.();
    }
    const hold = this.heldSuffix(s);
    this.pending = s.slice(s.length - hold);
    return Buffer.from(out + s.slice(0, s.length - hold), 'latin1');
  }

  flush(): Buffer {
    const s = this.pending;
    this.pending = '';
    return Buffer.from(s, 'latin1');
  }

  /** Length of the longest tail of s that could start a pattern. */
  private heldSuffix(s: string): number {
    let hold = 0;
    for (const p of this.patterns) {
      for (let n = Math.min(p.text.length - 1, s.length); n > hold; n--) {
        if (p.text.startsWith(s.slice(s.length - n))) {
          hold = n;
          break;
        }
      }
    }
    return hold;
  }
}

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
