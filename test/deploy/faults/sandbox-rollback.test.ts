// Issue #16, fault 6 behind HAProxy: a rollback whose restart fails leaves the load
// balancer serving what it served before (the issue saw every host down and HAProxy
// answering 503 to every request).
// The sandbox (`dpl sandbox up`: real HAProxy, the real web app on 4 web hosts, the
// example deployfile): deploy stable twice (B1, B2), then break B1 on every web host
// (its app/server.mjs exits 0.7 s in, never listening, so `svc restart airship`
// fails: a real failing restart on the host), then `dpl prod deploy.rollback` back to B1.
// Spec (/work/spec16.md, "Rollback"): exit 1; every host switched back to B2 and
// restarted; HAProxy serves again from every web host.
// Requests during the rollback itself are not required to all succeed: the rollback
// restarts hosts in rotation and the sandbox's HAProxy has no retries (see
// src/sandbox/haproxy.ts), so even a good rollback drops a few.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sandboxForFile, sleep, startLoad, type E2eProject } from '../../e2e/support.js';

let p: E2eProject;

describe('fault 6 behind HAProxy: a rollback whose restart fails (issue #16)', () => {
  sandboxForFile('fault6', (x) => (p = x));

  it('prod deploy.rollback to a release that cannot start: exit 1, every web host back on the release before, HAProxy serving', async () => {
    const info = p.info();
    const web = info.inventory.roles.web!;
    for (let i = 0; i < 2; i++) {
      const r = await p.dpl('prod', 'deploy:stable', '--yes');
      expect(r.code, r.out).toBe(0);
    }
    const b2 = p.current(web[0]!);
    const deployed = p.history(web[0]!).filter((x) => x.status === 'deployed').map((x) => x.release);
    const b1 = deployed.filter((x) => x !== b2).at(-1)!;
    for (const h of web) {
      expect(p.current(h), h).toBe(b2);
      // B1 cannot start on any web host: its server dies 0.7 s in (as a slow crash under
      // load does), so a restart that only waits a moment would call it started.
      const server = path.join(info.hosts[h]!.deployPath, 'releases', b1, 'app', 'server.mjs');
      writeFileSync(server, "console.error('fault test: this release cannot start'); setTimeout(() => process.exit(3), 700);\n");
    }

    const load = startLoad(info.haproxy.frontend.address, info.haproxy.frontend.port);
    let rb;
    try {
      await sleep(500);
      rb = await p.dpl('prod', 'deploy.rollback');
      // HAProxy's checks (inter 300ms, rise 2) see restarted servers within ~1 s.
      await sleep(2000);
    } finally {
      await load.stop();
    }
    const after = startLoad(info.haproxy.frontend.address, info.haproxy.frontend.port, { workers: 1 });
    // At least 1 s; a loaded machine may take longer to send 21 requests and reach every host (up to 10 s).
    await sleep(1000);
    for (let t = 0; t < 90 && (after.report.total <= 20 || Object.keys(after.report.hosts).length < web.length); t++) await sleep(100);
    const tail = await after.stop();

    const during = `during the rollback: ${load.report.failures.length} of ${load.report.total} requests failed`;
    expect(rb.code, `${rb.out}\n${during}`).toBe(1);
    expect(rb.out).toContain(b1);
    // Left serving what it served before: every request answered, by every web host.
    expect(tail.failures, `${during}\nafter:\n${tail.failures.slice(0, 5).join('\n')}\n${rb.out}`).toEqual([]);
    expect(tail.total).toBeGreaterThan(20);
    expect(Object.keys(tail.hosts).sort()).toEqual([...web].sort());
    for (const h of web) {
      expect(p.current(h), `${h} must be back on ${b2}\n${rb.out}`).toBe(b2);
      expect(p.history(h).filter((x) => x.release === b2).at(-1)?.status, `${h}: ${b2} is live again`).toBe('deployed');
    }
  }, 90_000);
});
