// The bake's error-rate samples as an inline SVG chart: one point per sample in
// order (passes green, failures red, inconclusive hollow on the axis: too few
// requests to judge), the limit as a dashed line, batches separated and labelled.
import { esc, pct, r1 } from './html.js';
import type { SamplePoint } from './model.js';

const WIDTH = 1100;
const HEIGHT = 260;
const PAD = { left: 60, right: 20, top: 20, bottom: 40 };

const COLORS: Record<string, string> = { pass: '#16a34a', fail: '#dc2626', inconclusive: '#94a3b8' };

/** The highest rate on the y axis: room above the limit and every sample, rounded up so the ticks read 0.5%, 1%, 1.5%… */
export function yMax(samples: readonly SamplePoint[]): number {
  const top = Math.max(0, ...samples.map((s) => Math.max(s.limit, s.rate ?? 0)));
  return top > 0 ? Math.min(1, niceCeil(top * 1.25)) : 0.01;
}

/** The smallest of 1, 2, 2.5, 5 × 10^k at or above `n` (four ticks of it stay round). */
function niceCeil(n: number): number {
  const p = 10 ** Math.floor(Math.log10(n));
  const m = [1, 2, 2.5, 5, 10].find((k) => k * p >= n * (1 - 1e-9))!;
  return m * p;
}

export function samplesSvg(samples: readonly SamplePoint[]): string {
  const n = samples.length;
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const max = yMax(samples);
  const x = (i: number) => PAD.left + (n <= 1 ? plotW / 2 : (i / (n - 1)) * plotW);
  const y = (rate: number) => PAD.top + plotH - (Math.min(rate, max) / max) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="samples-chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="bake error-rate samples against the limit">`,
  ];
  for (let k = 0; k <= 4; k++) {
    const rate = (max * k) / 4;
    parts.push(`<line x1="${PAD.left}" y1="${r1(y(rate))}" x2="${WIDTH - PAD.right}" y2="${r1(y(rate))}" class="grid"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${r1(y(rate) + 4)}" text-anchor="end" class="tick">${esc(pct(rate))}</text>`);
  }
  // Batch boundaries and labels.
  let i = 0;
  while (i < n) {
    const batch = samples[i]!.batch;
    let j = i;
    while (j + 1 < n && samples[j + 1]!.batch === batch) j++;
    if (i > 0) parts.push(`<line x1="${r1((x(i - 1) + x(i)) / 2)}" y1="${PAD.top}" x2="${r1((x(i - 1) + x(i)) / 2)}" y2="${PAD.top + plotH}" class="batch-sep"/>`);
    parts.push(`<text x="${r1((x(i) + x(j)) / 2)}" y="${HEIGHT - 12}" text-anchor="middle" class="tick">batch ${esc(batch)}</text>`);
    i = j + 1;
  }
  if (n) {
    // The limit may move from sample to sample (k × the old nodes' rate): a step line.
    const limit = samples.map((s, k) => `${r1(x(k))},${r1(y(s.limit))}`).join(' ');
    parts.push(`<polyline points="${n === 1 ? `${PAD.left},${r1(y(samples[0]!.limit))} ${WIDTH - PAD.right},${r1(y(samples[0]!.limit))}` : limit}" class="limit"/>`);
    parts.push(`<text x="${WIDTH - PAD.right}" y="${r1(y(samples[n - 1]!.limit) - 6)}" text-anchor="end" class="limit-label">limit ${esc(pct(samples[n - 1]!.limit))}</text>`);
  }
  samples.forEach((s, k) => {
    const cx = r1(x(k));
    const judged = s.rate !== null;
    const cy = r1(y(s.rate ?? 0));
    const title = `batch ${s.batch} sample ${s.sample}: ${s.verdict}, ${s.newErrors} errors in ${s.newRequests} requests${judged ? ` = ${pct(s.rate!)}` : ''}, limit ${pct(s.limit)}${s.reason ? ` (${s.reason})` : ''}`;
    const fill = s.verdict === 'inconclusive' ? 'white' : (COLORS[s.verdict] ?? '#64748b');
    parts.push(
      `<circle cx="${cx}" cy="${cy}" r="5" fill="${fill}" stroke="${COLORS[s.verdict] ?? '#64748b'}" stroke-width="2" class="sample ${esc(s.verdict)}"><title>${esc(title)}</title></circle>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
