// The per-host Gantt chart (inline SVG): one row per host, one bar per timed step,
// on the run's time axis, so a host that took longer stands out at a glance.
import { esc, r1, secs } from './html.js';
import type { HostRow, ReportModel } from './model.js';

export const STEP_COLORS: Record<string, string> = {
  lock: '#8a94a6',
  prepare: '#3b82f6',
  switch: '#a855f7',
  restart: '#f59e0b',
  record: '#10b981',
  checks: '#cbd5e1',
};

/** A rollout's gate between restart and record. */
export const stepLabel = (step: string): string => (step === 'checks' ? 'health + bake' : step);

const ROW = 26;
const LABEL = 170;
const RIGHT = 150;
const WIDTH = 1100;
const TOP = 28;

export function timelineSvg(m: Pick<ReportModel, 'hosts'>): string {
  const spanEnd = Math.max(0, ...m.hosts.flatMap((h) => h.spans.map((s) => s.endMs)));
  const spanStart = Math.min(...m.hosts.flatMap((h) => h.spans.map((s) => s.startMs)));
  // The axis covers the deploy's steps (not the time spent loading the deployfile before).
  const from = Number.isFinite(spanStart) ? Math.max(0, spanStart - 50) : 0;
  const to = Math.max(spanEnd + 50, from + 1);
  const plot = WIDTH - LABEL - RIGHT;
  const x = (ms: number) => LABEL + ((ms - from) / (to - from)) * plot;
  const height = TOP + m.hosts.length * ROW + 10;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="per-host timeline of the deploy steps">`);
  for (const tick of ticks(to - from)) {
    const tx = r1(x(from + tick));
    parts.push(`<line x1="${tx}" y1="${TOP - 6}" x2="${tx}" y2="${height - 6}" class="grid"/>`);
    parts.push(`<text x="${tx}" y="${TOP - 10}" class="tick" text-anchor="middle">+${Number((tick / 1000).toFixed(1))} s</text>`);
  }
  m.hosts.forEach((h, i) => parts.push(row(h, TOP + i * ROW, x)));
  parts.push('</svg>');
  return parts.join('\n');
}

function row(h: HostRow, y: number, x: (ms: number) => number): string {
  const out: string[] = [`<g class="host-row${h.slow ? ' slow' : ''}" data-host="${esc(h.host)}">`];
  if (h.slow) out.push(`<rect x="0" y="${y}" width="${WIDTH}" height="${ROW - 2}" class="slow-band"/>`);
  out.push(`<text x="${LABEL - 8}" y="${y + ROW / 2 + 4}" text-anchor="end" class="host-name">${esc(clip(h.host, 24))}</text>`);
  for (const s of h.spans) {
    const x0 = x(s.startMs);
    const w = Math.max(2, x(s.endMs) - x0);
    const title = `${h.host}: ${stepLabel(s.step)} ${secs(s.endMs - s.startMs)}${s.state === 'failed' ? ' (failed)' : s.state === 'open' ? ' (never ended)' : ''}${s.error ? `: ${s.error}` : ''}`;
    out.push(
      `<rect x="${r1(x0)}" y="${y + 4}" width="${r1(w)}" height="${ROW - 10}" rx="2" fill="${STEP_COLORS[s.step] ?? '#64748b'}" class="step step-${esc(s.step)} ${s.state}" data-step="${esc(s.step)}"><title>${esc(title)}</title></rect>`,
    );
  }
  const busy = `${secs(h.busyMs)}${h.slow ? ' · slowest' : ''}`;
  out.push(`<text x="${WIDTH - RIGHT + 8}" y="${y + ROW / 2 + 4}" class="busy${h.slow ? ' slow' : ''}">${esc(busy)}</text>`);
  out.push('</g>');
  return out.join('');
}

/** About 6 round tick steps over `span` ms. */
export function ticks(span: number): number[] {
  const steps = [100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000];
  const step = steps.find((s) => span / s <= 8) ?? Math.ceil(span / 8 / 60_000) * 60_000;
  const out: number[] = [];
  for (let t = 0; t <= span; t += step) out.push(t);
  return out;
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
