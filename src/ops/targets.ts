// How the ops tasks that drive their targets (status, history) reach them: every
// target at once (bounded by the pool size), each failure kept per host instead
// of failing the whole table.
import type { Context } from '../core/context-types.js';
import { UsageError } from '../core/errors.js';

export type PerHost<T> = { host: string; ok: true; value: T } | { host: string; ok: false; error: Error };

export async function onEachTarget<T>(c: Context, poolSize: number | undefined, fn: (hc: Context) => Promise<T>): Promise<PerHost<T>[]> {
  const fan = await c.targets.each(fn, poolSize ? { limit: poolSize } : {});
  // A mistake in the deployfile is not a host problem: report it as such.
  const usage = fan.failed.find((f) => f.error instanceof UsageError);
  if (usage) throw usage.error;
  const failed = new Map(fan.failed.map((f) => [f.host, f.error]));
  return c.targets.hosts.flatMap((h): PerHost<T>[] => {
    if (fan.succeeded.has(h.name)) return [{ host: h.name, ok: true, value: fan.succeeded.get(h.name)! }];
    const error = failed.get(h.name);
    return error ? [{ host: h.name, ok: false, error }] : [];
  });
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
