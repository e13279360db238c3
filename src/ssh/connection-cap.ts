// The cap on open connections (--max-connections, `defaults.maxConnections`): every
// connection costs memory (ssh2 state and buffers, some tens of KB) and an sshd process on
// the host, for the whole run. Past the cap, the least recently used idle connection
// is closed to make room; it reopens on demand (the pool's ordinary open, host keys
// checked again). A connection in use (a lease: a command, transfer or forward) is
// never closed, nor a jump host carrying others; jump hosts in use are not counted,
// so a route through one always fits.

/** What the cap needs of a connection: to be closed when evicted. */
export interface Closable {
  close(): Promise<void>;
}

interface Entry<C> {
  leases: number;
  /** Connections riding on this one (open or being opened): a jump host in use. */
  riders: number;
  /** LRU order: a counter, not a clock (ties are impossible). */
  used: number;
  via: C | undefined;
}

// Below it a run never reconnects: with a phase on every host in turn (a deploy), a cap
// under the host count reopens every host past it once per phase (bench/scale.mjs:
// 1,000 hosts at cap 100 took 2.5–3.5× the time and ~2× the CPU, and peak RSS was no lower).
export const DEFAULT_MAX_CONNECTIONS = 1000;

export class ConnectionCap<C extends Closable> {
  private readonly entries = new Map<C, Entry<C>>();
  private readonly waiters: Array<() => void> = [];
  private opening = 0;
  private closing = 0;
  private tick = 0;
  private unbounded = false;
  /** Entries with riders (jump hosts in use), kept as they change: count is asked on every open. */
  private carrying = 0;

  constructor(
    readonly limit: number,
    /** Called for each connection closed to make room (for the log). */
    private readonly onEvict: (c: C) => void = () => undefined,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`connection cap must be a whole number >= 1, got ${limit}`);
  }

  /** Connections held against the cap: being opened, being closed, and open ones carrying no other. */
  get count(): number {
    return this.opening + this.closing + this.entries.size - this.carrying;
  }

  /** Room for one more connection: waits, closing idle ones, until there is. Pair with opened() or failed(). */
  async reserve(): Promise<void> {
    if (this.unbounded || (this.waiters.length === 0 && this.count < this.limit)) {
      this.opening++;
      return;
    }
    await new Promise<void>((resolve) => {
      this.waiters.push(resolve);
      this.pump();
    });
  }

  /** The reserved room is now this connection (riding on `via`, already marked with ride()). Leased once, for the opener. */
  opened(c: C, via?: C): () => void {
    this.opening--;
    this.forget(c);
    this.entries.set(c, { leases: 0, riders: 0, used: ++this.tick, via });
    return this.lease(c)!;
  }

  /** The open failed: give the room back. */
  failed(): void {
    this.opening--;
    this.pump();
  }

  /** Mark `c` in use until the returned function is called; undefined when `c` is no longer open (evicted: open anew). */
  lease(c: C): (() => void) | undefined {
    const e = this.entries.get(c);
    if (!e) return undefined;
    e.leases++;
    e.used = ++this.tick;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      e.leases--;
      e.used = ++this.tick;
      if (e.leases === 0) this.pump();
    };
  }

  /** A connection through `jump` is about to be opened: keep the jump open (and uncounted) meanwhile. */
  ride(jump: C): void {
    const e = this.entries.get(jump);
    if (e && e.riders++ === 0) this.carrying++;
  }

  /** The connection meant to ride on `jump` was not opened after all. */
  unride(jump: C): void {
    const e = this.entries.get(jump);
    if (e && e.riders > 0 && --e.riders === 0) {
      this.carrying--;
      this.pump();
    }
  }

  /** The connection is gone (dropped, evicted or closed): its room is free. */
  remove(c: C): void {
    const e = this.forget(c);
    if (!e) return;
    if (e.via) this.unride(e.via);
    this.pump();
  }

  /** The run is ending: let every waiter through (the pool refuses or closes what they open). */
  release(): void {
    this.unbounded = true;
    for (const w of this.waiters.splice(0)) {
      this.opening++;
      w();
    }
  }

  /** Let waiters in while there is room, closing the least recently used idle connection when there is none. */
  private pump(): void {
    while (this.waiters.length) {
      if (this.count < this.limit) {
        this.opening++;
        this.waiters.shift()!();
        continue;
      }
      // One closing connection per waiter is enough room.
      if (this.closing >= this.waiters.length) return;
      const victim = this.idlest();
      if (!victim) return;
      const e = this.forget(victim)!;
      this.closing++;
      this.onEvict(victim);
      // Room once our side of it is closed: the cap bounds live TCP connections, not just objects.
      void victim.close().finally(() => {
        this.closing--;
        if (e.via) this.unride(e.via);
        this.pump();
      });
    }
  }

  /** Drop `c`'s entry, keeping `carrying` true. */
  private forget(c: C): Entry<C> | undefined {
    const e = this.entries.get(c);
    if (!e) return undefined;
    this.entries.delete(c);
    if (e.riders > 0) this.carrying--;
    return e;
  }

  private idlest(): C | undefined {
    let best: C | undefined;
    let bestUsed = Infinity;
    for (const [c, e] of this.entries) {
      if (e.leases === 0 && e.riders === 0 && e.used < bestUsed) {
        best = c;
        bestUsed = e.used;
      }
    }
    return best;
  }
}
