// Output filters shared by the transports. Work on latin1 strings so bytes pass
// through unchanged and a pattern split across chunks is still found (the sudo
// prompt is cut out of the output and answered, whichever transport runs it).

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
