// The report page: self-contained (nothing fetched) and every value from the log
// escaped. Host names, refs and messages come from users and hosts.
import { describe, expect, it } from 'vitest';
import { buildModel } from '../../src/report/model.js';
import { renderPage } from '../../src/report/page.js';
import { samplesSvg, yMax } from '../../src/report/chart.js';
import { esc } from '../../src/report/html.js';
import { ev, hostSteps, plainDeploy } from './events.js';

const HOSTILE = `<img src=x onerror="alert(1)">'&"web`;
const SCRIPT = '</title><script>alert(2)</script>';

function hostileRun() {
  return [
    ev(0, 'run.start', { tasks: [SCRIPT], dryRun: false }),
    ev(5, 'deploy.resolved', { ref: `main"><svg onload=alert(3)>`, kind: 'branch', sha: '<b>sha</b>', subject: SCRIPT, release: `R<2>`, by: `<i>eve</i>@host` }),
    ...hostSteps(HOSTILE, 10, { from: `<u>R1</u>`, release: `R<2>` }),
    ev(600, 'log', { host: 'lb-0', level: 'info', topic: 'proxy', message: SCRIPT, data: { changes: [{ backend: '<be>', server: HOSTILE, state: 'drain' }] } }),
    ev(700, 'rollout.batch', { batch: 1, of: 1, hosts: [HOSTILE], state: 'failed', release: 'R<2>', detail: SCRIPT }),
    ev(710, 'rollout.sample', { batch: 1, sample: 1, verdict: '<x>', rate: 0.5, limit: 0.01, newRequests: 10, newErrors: 5, reason: SCRIPT }),
    ev(720, 'log', { host: HOSTILE, level: 'error', message: SCRIPT }),
    ev(800, 'run.end', { ok: false, durationMs: 800, error: SCRIPT, hint: HOSTILE }),
  ];
}

describe('report page', () => {
  it('escapes every value from the log: no tag or attribute of theirs survives', () => {
    const html = renderPage(buildModel(hostileRun()), { run: `run<1>`, skipped: 0 });
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<svg onload');
    expect(html).not.toContain('<u>');
    expect(html).not.toContain('<i>eve');
    expect(html).not.toMatch(/onerror="/);
    // The text is still there, escaped.
    expect(html).toContain(esc(HOSTILE));
    expect(html).toContain('&lt;/title&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(html).toContain(`data-host="${esc(HOSTILE)}"`);
    expect(html).toContain('R&lt;2&gt;');
    // The head is ours: one title, closed once (the SVG's <title>s are tooltips in the body).
    const head = html.split('</head>')[0]!;
    expect(head.match(/<title>/g)).toHaveLength(1);
    expect(head.match(/<\/title>/g)).toHaveLength(1);
    expect(html.match(/<\/head>/g)).toHaveLength(1);
  });

  it('is self-contained: no URL to fetch, a CSP that forbids fetching', () => {
    const html = renderPage(buildModel(plainDeploy()), { run: 'r', skipped: 0 });
    expect(html).not.toMatch(/\b(src|href)=/i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html).toContain(`default-src 'none'`);
    // The SVG namespace is an identifier, not a fetch.
    expect(html.match(/https?:\/\//g)?.every((u) => u === 'http://')).toBe(true);
  });

  it('shows the parts: outcome, who/what, a row per host with the slow one marked, traffic, problems', () => {
    const html = renderPage(buildModel(plainDeploy()), { run: 'r', skipped: 2 });
    expect(html).toContain('<span class="badge ok">succeeded</span>');
    expect(html).toContain('ana@laptop');
    expect(html).toMatch(/<code>R1<\/code> → <code>R2<\/code>/);
    expect(html.match(/<g class="host-row/g)).toHaveLength(3);
    expect(html).toContain('<g class="host-row slow" data-host="web-2">');
    expect(html).toContain('slowest host: <code>web-2</code>');
    expect(html).toContain('no load balancer changes in this run');
    expect(html).toContain('2 lines of events.jsonl could not be read');
    // No rollout: no rollout section.
    expect(html).not.toContain('id="rollout"');
  });
});

describe('samples chart', () => {
  const sample = (rate: number | null, limit = 0.01, verdict = 'pass') => ({ batch: 1, sample: 1, atMs: 0, rate, limit, verdict, newRequests: 1, newErrors: 0, reason: '' });

  it('the y axis holds the limit and every rate, with room above', () => {
    expect(yMax([sample(0.002)])).toBeCloseTo(0.02);
    expect(yMax([sample(0.2, 0.01, 'fail')])).toBeCloseTo(0.25);
    expect(yMax([sample(0.03, 0.01, 'fail')])).toBeCloseTo(0.05);
    expect(yMax([sample(0.9, 0.01, 'fail')])).toBe(1);
    expect(yMax([])).toBe(0.01);
  });

  it('one point per sample, the limit as a line, inconclusive hollow on the axis', () => {
    const svg = samplesSvg([sample(0.002), sample(null, 0.01, 'inconclusive'), { ...sample(0.05, 0.01, 'fail'), batch: 2 }]);
    expect(svg.match(/<circle /g)).toHaveLength(3);
    expect(svg).toContain('class="limit"');
    expect(svg).toContain('limit 1%');
    expect(svg).toMatch(/>2.5%<\/text>/);
    expect(svg).toContain('batch 2');
    expect(svg).toMatch(/fill="white"[^>]*class="sample inconclusive"/);
    expect(svg.match(/class="batch-sep"/g)).toHaveLength(1);
  });
});
