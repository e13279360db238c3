// The one fan-out primitive: a job on many hosts, at most `limit` at a time, every
// started job awaited (none abandoned mid-command), with one result shape. The
// executor, `c.targets.each`, deploys, the proxy and rollouts all use it.
import type { Host } from './host.js';
import type { HostFailure } from './errors.js';

export interface FanOut<T> {
  /** Each host's value, by host name, in the order the hosts were given. */
  succeeded: Map<string, T>;
  /** Each failed host and its error, in the order the hosts were given. */
  failed: HostFailure[];
  /** Hosts never started: the run was interrupted, or (stopOnFailure) a host failed first. */
  notStarted: Host[];
}

export interface FanOutOptions {
  /** At most this many at once (at least 1). */
  limit: number;
  /** Start no more hosts once this says so (Ctrl-C). */
  stop?: () => boolean;
  /** Start no more hosts after the first failure (serial tasks, as Fabric). */
  stopOnFailure?: boolean;
}

export async function fanOut<T>(hosts: readonly Host[], job: (host: Host) => Promise<T>, o: FanOutOptions): Promise<FanOut<T>> {
  const values = new Map<string, T>();
  const errors = new Map<string, Error>();
  const started = new Set<string>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < hosts.length && !o.stop?.() && !(o.stopOnFailure && errors.size)) {
      const host = hosts[next++]!;
      started.add(host.name);
      try {
        values.set(host.name, await job(host));
      } catch (e) {
        errors.set(host.name, e instanceof Error ? e : new Error(String(e)));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, o.limit), hosts.length) }, worker));
  const succeeded = new Map<string, T>();
  const failed: HostFailure[] = [];
  for (const h of hosts) {
    if (values.has(h.name)) succeeded.set(h.name, values.get(h.name)!);
    const error = errors.get(h.name);
    if (error) failed.push({ host: h.name, error });
  }
  return { succeeded, failed, notStarted: hosts.filter((h) => !started.has(h.name)) };
}
