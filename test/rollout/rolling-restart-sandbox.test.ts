// The rolling restart on the sandbox through the real CLI and deployfile.example.ts
// (`dpl prod deploy.restart`): the sandbox's four web hosts behind its HAProxy, under
// load; then a host whose restart comes up unhealthy stops the run at its batch.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sandboxForFile, sleep, startLoad, type E2eProject } from '../e2e/support.js';

let p: E2eProject;

describe('rolling restart on the sandbox: dpl prod deploy.restart', () => {
  sandboxForFile('rolling-restart', (x) => (p = x));
  const pid = (h: string) => p.hostFile(h, 'run/airship.pid').trim();

  it('restarts every web host in batches 1, 50%, 100% under load: 0 failed requests, every pid changed', async () => {
    const info = p.info();
    const web = info.inventory.roles.web!;
    expect(web).toHaveLength(4);
    const before = Object.fromEntries(web.map((h) => [h, pid(h)]));
    const load = startLoad(info.haproxy.frontend.address, info.haproxy.frontend.port);
    let r;
    try {
      await sleep(300);
      r = await p.dpl('prod', 'deploy.restart');
      await sleep(300);
    } finally {
      await load.stop();
    }
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('restart batch 1/3: web-0');
    expect(r.out).toMatch(/restart batch 3\/3: web-2, web-3\b/);
    expect(r.out).toMatch(/rolling restart finished: 4 hosts in 3 batches/);
    for (const h of web) expect(pid(h), h).not.toBe(before[h]);
    expect(load.report.failures, load.report.failures.slice(0, 10).join('\n')).toEqual([]);
    expect(load.report.total).toBeGreaterThan(50);
  }, 120_000);

  it('a host whose restart fails its health check stops the run at its batch and stays drained; exit 1', async () => {
    const info = p.info();
    const web = info.inventory.roles.web!;
    // The control file: the app reads config/app.ini at start; `requires = cache` makes its /health 503.
    const ini = path.join(info.hosts['web-1']!.deployPath, 'current', 'config', 'app.ini');
    writeFileSync(ini, readFileSync(ini, 'utf8').replace(/^requires =.*$/m, 'requires = cache'));
    const before = Object.fromEntries(web.map((h) => [h, pid(h)]));
    const load = startLoad(info.haproxy.frontend.address, info.haproxy.frontend.port);
    let r;
    try {
      r = await p.dpl('prod', 'deploy.restart');
    } finally {
      await load.stop();
    }
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(/rolling restart stopped at batch 2\/3 \(web-1\): health check failed/);
    expect(r.out).toContain('503 Service Unavailable');
    expect(r.out).toContain('web-1 stays out of rotation (drained)');
    expect(r.out).toContain('batch 1 (web-0) restarted and back in rotation');
    expect(r.out).toContain('batch 3 (web-2, web-3) not touched');
    expect(r.out).not.toMatch(/\n\s+at .*\.js:\d+/); // no stack trace
    expect(pid('web-0')).not.toBe(before['web-0']);
    for (const h of ['web-2', 'web-3']) expect(pid(h), h).toBe(before[h]);
    const status = await p.dpl('prod', 'proxy.status');
    expect(status.out).toMatch(/web-1\b.*\bdrain/);
    expect(load.report.failures, load.report.failures.slice(0, 10).join('\n')).toEqual([]);
  }, 120_000);
});
