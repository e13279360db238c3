// One abort listener per signal, however many commands share it: parallel runs
// pass the same signal to every exec, and an addEventListener per command trips
// Node's MaxListeners warning (printed on stderr) at 11 hosts.

export class SignalHub {
  private readonly subs = new Map<AbortSignal, Set<() => void>>();

  /** Call `fn` once when `signal` aborts (now, if it already has). Returns an unsubscribe. */
  subscribe(signal: AbortSignal, fn: () => void): () => void {
    if (signal.aborted) {
      queueMicrotask(fn);
      return () => undefined;
    }
    let set = this.subs.get(signal);
    if (!set) {
      const created = new Set<() => void>();
      set = created;
      this.subs.set(signal, created);
      signal.addEventListener(
        'abort',
        () => {
          this.subs.delete(signal);
          for (const f of created) f();
        },
        { once: true },
      );
    }
    set.add(fn);
    return () => {
      set.delete(fn);
    };
  }
}
