// Issue #19 on the sandbox, through the real CLI and deployfile.example.ts: `sandbox up`
// starts nginx (a second front door to the web hosts) and a real Prometheus scraping
// every app's /metrics; rollouts through nginx are judged on Prometheus's counts (a
// release answering 500 rolled back, a good one promoted), a rolling restart drains
// through nginx, and the migration the release candidates add makes a rollback past
// it refuse, go on with allow-schema-ahead=yes, or run training's rollbackMigrations hook.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sandboxForFile, sleep, startLoad, type E2eProject } from '../e2e/support.js';
import { prometheusValue } from '../../src/fleet/prometheus.js';
import { nginxBinary } from '../../src/fleet/nginx.js';
import { prometheusMissing } from '../support/prometheus.js';

const missing = prometheusMissing() ?? (nginxBinary() ? null : 'no nginx (apt-get install nginx-light)');
let p: E2eProject;

const web = ['web-0', 'web-1', 'web-2', 'web-3'];
const applied = (db: string) => (JSON.parse(readFileSync(path.join(p.info().db, db, 'schema.json'), 'utf8')) as { applied: string[] }).applied;
const tagOf = (h: string) => p.history(h).filter((r) => r.release === p.current(h) && r.tag).at(-1)?.tag;

/** `dpl ...` while clients request through the sandbox's nginx: the traffic a bake judges. */
async function throughNginx(...args: string[]) {
  const ng = p.info().nginx!;
  const load = startLoad(ng.frontend.address, ng.frontend.port, { workers: 2 });
  let r;
  try {
    await sleep(300);
    r = await p.dpl(...args);
    await sleep(300);
  } finally {
    await load.stop();
  }
  return { r, load: load.report };
}

describe.skipIf(missing)(`the sandbox's nginx and Prometheus judge, and migration-aware rollback, from the CLI${missing ? ` (${missing})` : ''}`, () => {
  sandboxForFile('judges', (x) => (p = x));

  it('sandbox up starts nginx in front of the web hosts and a Prometheus scraping every app; status shows both', async () => {
    const info = p.info();
    expect(info.prometheus!.targets).toHaveLength(5); // four web hosts and the training box
    expect(await prometheusValue(info.prometheus!.url, 'count(up == 1)')).toBe(5);
    expect(await prometheusValue(info.prometheus!.url, 'count(http_requests_total{host="web-0"})')).toBe(3); // one series per code, from 0
    const res = await fetch(info.nginx!.url);
    expect(await res.text()).toMatch(/^Welcome abaord - OpenSky 3\.0\.0 on web-\d\n$/);
    const s = await p.dpl('sandbox', 'status');
    expect(s.code, s.out).toBe(0);
    expect(s.out).toMatch(new RegExp(`nginx: ${info.nginx!.url.replace(/\./g, '\\.')}  \\(pid \\d+; the same web hosts, upstream app\\)`));
    expect(s.out).toMatch(/Prometheus judge: http:\/\/127\.0\.30\.\d+:\d+  \(pid \d+; 5 of 5 apps' \/metrics scraped up\)/);
  }, 60_000);

  it('v3.1.0-rc.2 (every page 500) through nginx: the canary fails on Prometheus, is rolled back, exit 1; its migration stays applied', async () => {
    const { r, load } = await throughNginx('prod', 'deploy:airship,v3.1.0-rc.2,lb=nginx', '--yes');
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(/batch 1: baking for 4 s on Prometheus at http:\/\/127\.0\.30\.\d+:\d+, a sample every 1 s/);
    expect(r.out).toMatch(/batch 1 sample \d: fail: error rate too high: \d+ errors in \d+ requests = 100\.0%/);
    expect(r.out).toMatch(/rollout of v3\.1\.0-rc\.2 as \S+ failed at batch 1\/3 \(web-0\): error rate too high/);
    expect(r.out).toMatch(/migration 0004_add_fare_cache applied by \S+ stays applied: the old release runs against the new schema/);
    expect(r.out).not.toMatch(/\n\s+at .*\.js:\d+/);
    for (const h of web) expect(tagOf(h), h).toBe('v3.0.0');
    expect(load.failures.length).toBeGreaterThan(0); // the canary's 500s, while it baked
    expect(applied('production')).toContain('0004_add_fare_cache.sql');
    expect(readFileSync(path.join(p.info().nginx!.dir, 'upstream-app.conf'), 'utf8')).not.toMatch(/ down;|drain/);
  }, 120_000);

  it('v3.1.0-rc.3 through nginx: every batch judged on Prometheus and promoted, no failed request', async () => {
    const { r, load } = await throughNginx('prod', 'deploy:airship,v3.1.0-rc.3,lb=nginx', '--yes');
    expect(r.code, r.out).toBe(0);
    for (const b of [1, 2, 3]) expect(r.out).toMatch(new RegExp(`batch ${b}/3 promoted \\(.*\\): [2-9]\\d* of \\d+ samples conclusive, 0 over the limit`));
    expect(r.out).toContain('rollout of');
    for (const h of web) expect(tagOf(h), h).toBe('v3.1.0-rc.3');
    expect(load.failures, load.failures.slice(0, 5).join('\n')).toEqual([]);
  }, 120_000);

  it('prod deploy.restart:lb=nginx under load: batches drained through nginx, every pid changed, no failed request', async () => {
    const pid = (h: string) => p.hostFile(h, 'run/airship.pid').trim();
    const before = Object.fromEntries(web.map((h) => [h, pid(h)]));
    const { r, load } = await throughNginx('prod', 'deploy.restart:lb=nginx');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/\[lb-0\] out of rotation: app\/web-0 → drain/);
    expect(r.out).toMatch(/rolling restart finished: 4 hosts in 3 batches/);
    for (const h of web) expect(pid(h), h).not.toBe(before[h]);
    expect(load.failures, load.failures.slice(0, 5).join('\n')).toEqual([]);
  }, 120_000);

  it('a rollback past migration 0004 is refused listing it (exit 1, nothing switched); allow-schema-ahead=yes rolls back and leaves it applied', async () => {
    const refused = await p.dpl('prod', 'deploy.rollback');
    expect(refused.code, refused.out).toBe(1);
    expect(refused.stderr).toMatch(/cannot roll back to \S+: newer releases applied migrations it does not know:\n {2}- 0004_add_fare_cache \(applied by \S+\)/);
    expect(refused.stderr).toMatch(/allow-schema-ahead=yes/);
    for (const h of web) expect(tagOf(h), h).toBe('v3.1.0-rc.3');
    const allowed = await p.dpl('prod', 'deploy.rollback:allow-schema-ahead=yes');
    expect(allowed.code, allowed.out).toBe(0);
    expect(allowed.out).toMatch(/rolling back past applied migrations; they stay applied and \S+ runs against the newer schema:\n {2}- 0004_add_fare_cache/);
    for (const h of web) expect(tagOf(h), h).toBe('v3.0.0');
    expect(applied('production')).toContain('0004_add_fare_cache.sql');
  }, 90_000);

  it("training's rollbackMigrations hook undoes 0004 in its database before the rollback switches", async () => {
    const deploy = await p.dpl('training', 'deploy:v3.1.0-rc.3');
    expect(deploy.code, deploy.out).toBe(0);
    expect(applied('training')).toContain('0004_add_fare_cache.sql');
    const back = await p.dpl('training', 'deploy.rollback');
    expect(back.code, back.out).toBe(0);
    expect(back.out).toContain('rollbackMigrations: undoing 0004_add_fare_cache');
    expect(back.out).toContain('unmigrate: undid 0004_add_fare_cache.sql');
    expect(back.out.indexOf('unmigrate: undid')).toBeLessThan(back.out.indexOf('switch current'));
    expect(applied('training')).not.toContain('0004_add_fare_cache.sql');
    expect(tagOf('training-0')).toBe('v3.0.0');
    expect(p.history('training-0').some((r) => (r as Record<string, unknown>).migrationsUndone !== undefined)).toBe(true);
  }, 90_000);

  it('with nginx, a host whose restart fails its health check stops the run at its batch and stays out of the upstream; exit 1', async () => {
    const pid = (h: string) => p.hostFile(h, 'run/airship.pid').trim();
    // The app reads config/app.ini at start; `requires = cache` makes web-1's /health 503.
    const ini = path.join(p.info().hosts['web-1']!.deployPath, 'current', 'config', 'app.ini');
    writeFileSync(ini, readFileSync(ini, 'utf8').replace(/^requires =.*$/m, 'requires = cache'));
    const before = Object.fromEntries(web.map((h) => [h, pid(h)]));
    const { r, load } = await throughNginx('prod', 'deploy.restart:lb=nginx');
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(/rolling restart stopped at batch 2\/3 \(web-1\): health check failed/);
    expect(r.out).toContain('web-1 stays out of rotation (drained)');
    expect(r.out).toContain('batch 3 (web-2, web-3) not touched');
    for (const h of ['web-2', 'web-3']) expect(pid(h), h).toBe(before[h]);
    expect(readFileSync(path.join(p.info().nginx!.dir, 'upstream-app.conf'), 'utf8')).toMatch(/^server 127\.0\.30\.\d+:\d+ down;\s+# dpl:web-1 drain$/m);
    expect(load.failures, load.failures.slice(0, 5).join('\n')).toEqual([]);
  }, 120_000);
});
