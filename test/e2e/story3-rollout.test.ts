// Story 3, Urban Airship: one host by hand (deploy:airship, restart, monitor), then
// canary → half → rest under load with no failed request, and a release whose
// health check fails rolled back automatically, with a non-zero exit.
import { describe, expect, it } from 'vitest';
import { sandboxForFile, sleep, startLoad, type E2eProject } from './support.js';

let p: E2eProject;

describe('story 3: Urban Airship, one host, then canary → half → rest', () => {
  sandboxForFile('rollout', (x) => (p = x), 18);

  it('host:web-0 deploy:airship restart:airship monitor:airship', async () => {
    const web = p.info().inventory.roles.web!;
    const others = Object.fromEntries(web.slice(1).map((h) => [h, p.current(h)]));
    const r = await p.dpl('host:web-0', 'deploy:airship', 'restart:airship', 'monitor:airship,for=1');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('batch 1/1: web-0 (canary)');
    expect(r.out).toContain('== restart on web-0');
    expect(r.out).toMatch(/\[web-0\] out: .*airship 3\.0\.0 on web-0: listening on/);
    const live = p.current('web-0');
    expect(p.history('web-0').filter((x) => x.release === live).pop()).toMatchObject({ status: 'deployed', tag: 'v3.0.0' });
    for (const [h, before] of Object.entries(others)) expect(p.current(h), h).toBe(before);
  }, 60_000);

  it('prod deploy:airship: canary → half → rest under load, 0 failed; v3.1.0-rc.1 fails its health check and is rolled back', async () => {
    const info = p.info();
    const web = info.inventory.roles.web!;
    const load = startLoad(info.haproxy.frontend.address, info.haproxy.frontend.port);
    let good, bad;
    const before: Record<string, string> = {};
    try {
      await sleep(500);
      good = await p.dpl('prod', 'deploy:airship', '--yes');
      for (const h of web) before[h] = p.current(h);
      bad = await p.dpl('prod', 'deploy:airship,v3.1.0-rc.1', '--yes');
      await sleep(500);
    } finally {
      await load.stop();
    }
    expect(good.code, good.out).toBe(0);
    expect(good.out).toContain(`rollout of v3.0.0`);
    expect(good.out).toContain('batch 1/3: web-0 (canary)');
    expect(good.out).toMatch(/batch 2\/3: web-1\b/);
    expect(good.out).toMatch(/batch 3\/3: web-2, web-3\b/);
    expect(good.out).toMatch(/batch \d sample \d+: pass/);
    expect(good.out).toContain(`finished: ${web.length} hosts in 3 batches`);
    const released = p.current('web-0');
    for (const h of web) expect(p.current(h), h).toBe(released);

    expect(bad.code, bad.out).toBe(1);
    expect(bad.out).toContain('health check failed');
    expect(bad.out).toContain('503 Service Unavailable');
    expect(bad.out).toContain('every moved host was rolled back');
    for (const h of web) expect(p.current(h), h).toBe(before[h]);
    const failed = p.history('web-0').pop()!;
    expect(failed).toMatchObject({ status: 'failed', tag: 'v3.1.0-rc.1' });

    const r = load.report;
    expect(r.failures, r.failures.slice(0, 10).join('\n')).toEqual([]);
    expect(r.total).toBeGreaterThan(200);
    expect(Object.keys(r.versions)).toEqual(['3.0.0']);
  }, 120_000);
});
