// How the orchestrated ops tasks (status, history) reach their hosts: every
// target at once (bounded by the pool size), each failure kept per host instead
// of failing the whole table. With no hosts selected they run on this machine.
import type { Context } from '../core/context-types.js';
import { UsageError } from '../core/errors.js';
import { runPool } from '../core/pool-runner.js';

export type PerHost<T> = { host: string; ok: true; value: T } | { host: string; ok: false; error: Error };

export async function onEachTarget<T>(c: Context, poolSize: number | undefined, fn: (hc: Context) => Promise<T>): Promise<PerHost<T>[]> {
  const contexts = c.targets.length && !(c.targets.length === 1 && c.targets[0] === c.host) ? c.targets.map((h) => c.on(h)) : [c];
  const size = poolSize ?? c.session.flags.poolSize ?? contexts.length;
  const slots = await runPool(
    contexts,
    size,
    async (hc): Promise<PerHost<T>> => {
      try {
        return { host: hc.host.name, ok: true, value: await fn(hc) };
      } catch (e) {
        return { host: hc.host.name, ok: false, error: e instanceof Error ? e : new Error(String(e)) };
      }
    },
    () => c.session.signal.aborted,
  );
  const results = slots.filter((s) => s.started && s.result).map((s) => s.result!);
  // A mistake in the deployfile is not a host problem: report it as such.
  const usage = results.find((r): r is Extract<PerHost<T>, { ok: false }> => !r.ok && r.error instanceof UsageError);
  if (usage) throw usage.error;
  return results;
}

/** A plain-text table (left-aligned columns, two spaces apart). */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.trim() ?? '';
}
