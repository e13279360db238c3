// Escaping and number formats shared by the report's HTML and SVG. Every value
// that came from the log (host names, messages, refs: users' and hosts' text) goes
// through `esc` before it is placed in markup, in text and in attributes alike.

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (ch) => ENTITIES[ch]!);
}

/** 0.84 s, 12.3 s, 2 min 5 s. */
export function secs(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** An error rate 0..1 as a percentage: 0%, 0.25%, 1%, 1.5%, 12%. */
export function pct(rate: number): string {
  const p = rate * 100;
  return `${Number(p.toFixed(p >= 10 ? 0 : p < 1 ? 2 : 1))}%`;
}

/** Round for SVG coordinates. */
export const r1 = (n: number): string => (Math.round(n * 10) / 10).toString();
