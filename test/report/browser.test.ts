// The deploy report in a real browser (issue #20, part 3): a canary rollout on the
// sandbox's sshd hosts behind HAProxy, under load so the bake has samples (web-2's
// restart made 3 s slower, so the report must single it out), then a
// release whose health check fails and is rolled back; `dpl report` for each, and
// headless Chromium (Debian `chromium`) renders the pages: the DOM it builds must
// hold a row per host with its steps, the outcome, the samples chart, the traffic
// changes; and a screenshot must come out. Skipped, saying why, without chromium.
// DPL_REPORT_KEEP=1 keeps the temp dir with the pages and screenshots.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sandboxForFile, sleep, startLoad, type E2eProject } from '../e2e/support.js';

const CHROMIUM = ['chromium', 'chromium-browser', 'google-chrome'].find((c) => spawnSync(c, ['--version'], { encoding: 'utf8' }).status === 0);
const out = mkdtempSync(join(tmpdir(), 'dpl-report-browser-'));
afterAll(() => {
  if (process.env['DPL_REPORT_KEEP']) console.log(`report pages and screenshots kept in ${out}`);
  else rmSync(out, { recursive: true, force: true });
});

/** Headless Chromium on a local file: its DOM after load, and a screenshot (the path, checked non-empty). */
function render(page: string, name: string): { dom: string; png: string } {
  const base = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', `--user-data-dir=${join(out, 'profile')}`, '--window-size=1280,2000'];
  const url = `file://${page}`;
  const dom = spawnSync(CHROMIUM!, [...base, '--dump-dom', url], { encoding: 'utf8', timeout: 60_000 });
  expect(dom.status, dom.stderr).toBe(0);
  const png = join(out, `${name}.png`);
  const shot = spawnSync(CHROMIUM!, [...base, `--screenshot=${png}`, url], { encoding: 'utf8', timeout: 60_000 });
  expect(shot.status, shot.stderr).toBe(0);
  return { dom: dom.stdout, png };
}

const count = (text: string, re: RegExp) => text.match(re)?.length ?? 0;

let p: E2eProject;

// Without chromium the suite shows as skipped under this name (Debian: apt-get install -y chromium).
describe.skipIf(!CHROMIUM)(`dpl report in headless Chromium${CHROMIUM ? '' : ' (needs chromium: apt-get install -y chromium)'}`, () => {
  sandboxForFile('report', (x) => (p = x));

  it('a rollout under load, then a failed one: each page shows hosts, steps, batches, samples, traffic and the outcome', async () => {
    const info = p.info();
    const web = info.inventory.roles.web!;
    // One straggler: the project's copy of the example deployfile, web-2's restart hook 3 s slower.
    const file = join(p.dir, 'deployfile.ts');
    const source = readFileSync(file, 'utf8');
    expect(source).toContain('restart: async (c) => {');
    writeFileSync(file, source.replace('restart: async (c) => {', "restart: async (c) => {\n      if (c.host.name === 'web-2') await c.run('sleep 3');"));
    const load = startLoad(info.haproxy.frontend.address, info.haproxy.frontend.port);
    let good, bad;
    try {
      await sleep(300);
      good = await p.dpl('prod', 'deploy:airship', '--yes');
      bad = await p.dpl('prod', 'deploy:airship,v3.1.0-rc.1', '--yes');
    } finally {
      await load.stop();
    }
    expect(good.code, good.out).toBe(0);
    expect(bad.code, bad.out).toBe(1);
    const logs = join(p.dir, '.dpl/logs');
    const runs = (await import('../../src/report/load.js')).listRuns(logs);
    const [goodRun, badRun] = runs.slice(-2);

    const goodPage = join(out, 'good.html');
    const g = await p.dpl('report', goodRun!, '-o', goodPage);
    expect(g.code, g.out).toBe(0);
    expect(g.stdout.trim()).toBe(goodPage);
    const events = readFileSync(join(logs, goodRun!, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const samples = events.filter((e) => e['type'] === 'rollout.sample');
    expect(samples.some((s) => s['verdict'] === 'pass'), 'the load gave the bake requests to judge').toBe(true);

    const { dom, png } = render(goodPage, 'good');
    expect(statSync(png).size).toBeGreaterThan(10_000);
    expect(dom).toContain('<span class="badge ok">succeeded</span>');
    expect(dom).toMatch(/release \d{8}T\d{6}Z is live on 4 hosts/);
    for (const h of web) {
      const row = dom.match(new RegExp(`<g class="host-row[^"]*" data-host="${h}">(.*?)</g>`, 's'))?.[1] ?? '';
      expect(row, h).not.toBe('');
      for (const step of ['lock', 'prepare', 'switch', 'restart', 'record']) expect(row, `${h} ${step}`).toContain(`data-step="${step}"`);
      expect(dom).toMatch(new RegExp(`<tr class="host[^"]*" data-host="${h}"><td><code>${h}</code></td><td><code>\\d{8}T\\d{6}Z</code> → <code>\\d{8}T\\d{6}Z</code></td><td>deployed</td>`));
    }
    expect(count(dom, /<g class="host-row slow"/g)).toBe(1);
    expect(dom).toContain('<g class="host-row slow" data-host="web-2">');
    expect(dom).toMatch(/slowest host: <code>web-2<\/code>/);
    expect(dom).toMatch(/<tr class="host slow" data-host="web-2">.*?restart [3-9]\.\d\d s/s);
    expect(count(dom, /<tr class="batch promoted">/g)).toBe(3);
    expect(dom).toContain('<svg xmlns="http://www.w3.org/2000/svg" class="samples-chart"');
    expect(count(dom, /<circle [^>]*class="sample /g)).toBe(samples.length);
    expect(dom).toContain('class="limit"');
    expect(dom).toMatch(/<code>app\/web-0<\/code> → <b>drain<\/b>/);
    expect(dom).toMatch(/<code>app\/web-0<\/code> → <b>ready<\/b>/);
    expect(dom).toMatch(/<th>who<\/th><td>[^<]+@[^<]+<\/td>/);
    expect(dom).toMatch(/<th>environment<\/th><td>production<\/td>/);
    expect(dom).toContain('tag v3.0.0');

    const badPage = join(out, 'bad.html');
    expect((await p.dpl('report', badRun!, '-o', badPage)).code).toBe(0);
    const b = render(badPage, 'bad');
    expect(statSync(b.png).size).toBeGreaterThan(10_000);
    expect(b.dom).toContain('<span class="badge failed">failed</span>');
    expect(b.dom).toContain('health check failed');
    expect(b.dom).toMatch(/<p class="hint">hint: fix the release and roll out again/);
    expect(b.dom).toContain('<tr class="batch failed">');
    // web-0 went further than the hosts that only locked: not a straggler.
    expect(count(b.dom, /<g class="host-row slow"/g)).toBe(0);
    expect(b.dom).toMatch(/<tr class="host[^"]*" data-host="web-0">.*?<td>rolled back<\/td>/s);
  }, 240_000);
});
