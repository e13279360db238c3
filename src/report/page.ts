// The report page: one self-contained HTML document (inline CSS and SVG, nothing
// fetched) drawn from the model. Every value from the log is escaped with `esc`.
import { samplesSvg } from './chart.js';
import { esc, pct, secs } from './html.js';
import type { ReportModel } from './model.js';
import { STYLE } from './style.js';
import { STEP_COLORS, stepLabel, timelineSvg } from './timeline.js';

export interface PageInfo {
  /** The run directory's name. */
  run: string;
  /** Lines of events.jsonl that were not events. */
  skipped: number;
}

export function renderPage(m: ReportModel, info: PageInfo): string {
  const title = m.deploy ? `dpl deploy report: ${m.deploy.release}` : `dpl run report: ${info.run}`;
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // No network: nothing may be fetched, whatever a value in the log says.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${esc(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head><body>',
    `<h1>${esc(title)}</h1>`,
    `<div class="sub">run <code>${esc(info.run)}</code> · started ${esc(m.startedAt)} · ${esc(secs(m.durationMs))}${m.dryRun ? ' · dry run' : ''}</div>`,
    outcome(m),
    summary(m, info),
    timeline(m),
    rollout(m),
    traffic(m),
    problems(m),
    '</body></html>',
    '',
  ].join('\n');
}

function outcome(m: ReportModel): string {
  const state = m.outcome.ok === undefined ? 'unknown' : m.outcome.ok ? 'ok' : 'failed';
  const badge = state === 'ok' ? 'succeeded' : state === 'failed' ? 'failed' : 'unfinished';
  return [
    `<section id="outcome" class="outcome ${state}"><h2>Outcome <span class="badge ${state}">${badge}</span></h2>`,
    `<p class="headline">${esc(m.outcome.headline)}</p>`,
    m.outcome.error ? `<pre class="error">${esc(m.outcome.error)}</pre>` : '',
    m.outcome.hint ? `<p class="hint">hint: ${esc(m.outcome.hint)}</p>` : '',
    '</section>',
  ].join('\n');
}

function summary(m: ReportModel, info: PageInfo): string {
  const d = m.deploy;
  const rows: Array<[string, string]> = [];
  if (d) {
    if (d.by) rows.push(['who', esc(d.by)]);
    if (d.environment) rows.push(['environment', esc(d.environment)]);
    const ref = d.tag && d.tag !== d.ref ? `${d.ref} → tag ${d.tag}` : d.ref;
    rows.push(['ref', `<code>${esc(ref)}</code>${d.sha ? ` @ <code>${esc(d.sha.slice(0, 12))}</code>` : ''}${d.subject ? ` “${esc(d.subject)}”` : ''}`]);
    rows.push(['release', `${fromTo(m)} → <code>${esc(d.release)}</code>`]);
  }
  rows.push(['tasks', esc(m.tasks.join(' ')) || '<span class="empty">none</span>']);
  rows.push(['hosts', String(m.hosts.length)]);
  if (info.skipped) rows.push(['log', `${info.skipped} line${info.skipped === 1 ? '' : 's'} of events.jsonl could not be read`]);
  return `<section id="summary"><h2>What, who, where</h2><table class="meta">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table></section>`;
}

/** The releases the hosts were on before (most hosts share one). */
function fromTo(m: ReportModel): string {
  const before = [...new Set(m.hosts.map((h) => h.from).filter((f): f is string => !!f))];
  if (!before.length) return '<span class="empty">no earlier release</span>';
  return before.map((b) => `<code>${esc(b)}</code>`).join(', ');
}

function timeline(m: ReportModel): string {
  if (!m.hosts.length) return '<section id="timeline"><h2>Timeline per host</h2><p class="empty">no per-host steps in this run (not a deploy, or a log from before dpl 0.2)</p></section>';
  const legend = Object.entries(STEP_COLORS)
    .map(([step, color]) => `<span><i style="background:${color}"></i>${stepLabel(step)}</span>`)
    .join('');
  const slow = m.hosts.find((h) => h.slow);
  const rows = m.hosts.map((h) => {
    const steps = h.spans.filter((s) => s.step !== 'checks').map((s) => `${esc(s.step)} ${esc(secs(s.endMs - s.startMs))}${s.state === 'failed' ? ' ✗' : ''}`).join(', ');
    return `<tr class="host${h.slow ? ' slow' : ''}" data-host="${esc(h.host)}"><td><code>${esc(h.host)}</code></td><td>${h.from ? `<code>${esc(h.from)}</code>` : '–'} → ${h.to ? `<code>${esc(h.to)}</code>` : '–'}</td><td>${esc(h.status ?? '')}</td><td>${esc(secs(h.busyMs))}</td><td class="mono">${steps}</td></tr>`;
  });
  return [
    '<section id="timeline"><h2>Timeline per host</h2>',
    `<div class="legend">${legend}</div>`,
    slow ? `<p class="slow-note">slowest host: <code>${esc(slow.host)}</code>, ${esc(secs(slow.busyMs))} in its steps</p>` : '',
    timelineSvg(m),
    '<table class="hosts"><tr><th>host</th><th>release before → after</th><th>status</th><th>busy</th><th>steps</th></tr>',
    rows.join('\n'),
    '</table></section>',
  ].join('\n');
}

function rollout(m: ReportModel): string {
  if (!m.batches.length && !m.samples.length) return '';
  const rows = m.batches.map(
    (b) =>
      `<tr class="batch ${esc(b.state)}"><td>${b.batch}/${b.of}</td><td>${b.hosts.map((h) => `<code>${esc(h)}</code>`).join(', ')}</td><td>${esc(b.state)}</td><td>${b.endMs === undefined ? '' : esc(secs(b.endMs - b.startMs))}</td><td>${b.samples}${b.conclusive === undefined ? '' : ` (${b.conclusive} conclusive)`}</td><td>${b.detail ? `<pre>${esc(b.detail)}</pre>` : ''}</td></tr>`,
  );
  const conclusive = m.samples.filter((s) => s.verdict !== 'inconclusive');
  const rated = m.samples.filter((s) => s.rate !== null);
  const worst = rated.length ? Math.max(...rated.map((s) => s.rate!)) : undefined;
  const failed = m.samples.filter((s) => s.verdict === 'fail').length;
  const chart = m.samples.length
    ? `<h3>Bake: error rate of the new nodes per sample</h3><p class="sub">${m.samples.length} samples, ${conclusive.length} conclusive, ${failed} over the limit${worst === undefined ? '' : `, worst ${esc(pct(worst))}`}; hollow points had too few requests to judge</p>${samplesSvg(m.samples)}`
    : '<p class="empty">no bake samples in this run</p>';
  return [
    '<section id="rollout"><h2>Rollout</h2>',
    '<table class="batches"><tr><th>batch</th><th>hosts</th><th>state</th><th>took</th><th>samples</th><th>detail</th></tr>',
    rows.join('\n'),
    '</table>',
    chart,
    '</section>',
  ].join('\n');
}

function traffic(m: ReportModel): string {
  const rows = m.traffic.map(
    (t) => `<tr><td>+${esc(secs(t.atMs))}</td><td><code>${esc(t.lb ?? '')}</code></td><td>${t.changes.map((c) => `<code>${esc(c.backend)}/${esc(c.server)}</code> → <b>${esc(c.state)}</b>`).join(', ')}</td><td>${esc(t.message)}</td></tr>`,
  );
  const body = rows.length
    ? `<table class="traffic"><tr><th>at</th><th>load balancer</th><th>changes</th><th>message</th></tr>${rows.join('\n')}</table>`
    : '<p class="empty">no load balancer changes in this run</p>';
  return `<section id="traffic"><h2>Traffic changes</h2>${body}</section>`;
}

function problems(m: ReportModel): string {
  const items = m.problems.map((p) => `<li class="${p.level}">+${esc(secs(p.atMs))} ${p.level}${p.host ? ` <code>[${esc(p.host)}]</code>` : ''}: ${esc(p.message)}</li>`);
  const body = items.length ? `<ul class="problems">${items.join('\n')}</ul>` : '<p class="empty">no errors or warnings</p>';
  return `<section id="problems"><h2>Errors and warnings</h2>${body}</section>`;
}
