// Story 1, OpenSky: hotfix 3.0.1 started, fixed, finished and deployed group by
// group behind HAProxy while clients keep requesting through it. Not one request
// may fail, stable must be the hotfix's tag, and both groups must end on it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eProject, expectValidatedEvents, sleep, startLoad, type E2eProject } from './support.js';

let p: E2eProject;

describe('story 1: the OpenSky hotfix, group by group, under load', () => {
  beforeAll(async () => {
    p = e2eProject('hotfix');
    const up = await p.dpl('sandbox', 'up');
    expect(up.code, up.out).toBe(0);
  }, 120_000);

  afterAll(async () => {
    if (!p) return;
    const lock = existsSync(path.join(p.dir, '.dpl/sandbox/sandbox.json')) ? p.info().slotLock : undefined;
    const { run, leftovers } = await p.down();
    p.remove();
    expect(run.code, run.out).toBe(0);
    expect(leftovers).toEqual([]);
    if (lock && existsSync(lock)) expect(readFileSync(lock, 'utf8')).not.toContain(p.dir);
    expectValidatedEvents(p, 12);
  }, 60_000);

  it('hotfix.start → fix → finish → group2 / deploy out / flip / deploy out / all: 0 failed requests', async () => {
    const info = p.info();
    const web = info.inventory.roles.web!;
    const { group1, group2 } = info.inventory.groups;
    const load = startLoad(info.haproxy.frontend.address, info.haproxy.frontend.port);
    const steps: string[] = [];
    const step = async (...args: string[]) => {
      const r = await p.dpl(...args);
      steps.push(`$ dpl ${args.join(' ')} → ${r.code}`);
      expect(r.code, `dpl ${args.join(' ')}\n${r.out}`).toBe(0);
      await sleep(300);
      return r;
    };
    try {
      await sleep(500);
      const start = await step('hotfix.start:3.0.1');
      expect(start.out).toContain('opensky.version 3.0.0 → 3.0.1');
      const ini = path.join(info.git.work, 'config', 'app.ini');
      writeFileSync(ini, readFileSync(ini, 'utf8').replace('Welcome abaord', 'Welcome aboard'));
      expect((await p.git('commit', '-q', '-am', 'Fix the greeting typo')).code).toBe(0);
      const finish = await step('hotfix.finish:3.0.1,push=yes');
      expect(finish.out).toContain('pushed main, develop and v3.0.1 to origin');

      await step('prod', 'proxy.group2');
      // Production confirms (deployfile.example.ts): with no terminal to ask on, a deploy without --yes changes nothing.
      const before = group1!.map((h) => p.current(h));
      const refused = await p.dpl('prod:out', 'deploy:stable');
      expect(refused.code, refused.out).toBe(2);
      expect(refused.stderr).toContain('refusing to start a deploy to production without confirmation: there is no terminal to ask on (nothing was changed)');
      expect(group1!.map((h) => p.current(h))).toEqual(before);
      const first = await step('prod:out', 'deploy:stable', '--yes');
      expect(first.out).toMatch(/What will ship: v3\.0\.1 @ [0-9a-f]{12}/);
      expect(first.out).toContain('confirmation skipped (--yes)');
      expect(first.out).toMatch(/stable → tag v3\.0\.1 @ [0-9a-f]{12}/);
      expect(first.out).toContain(`deploy.release on ${group1!.join(', ')}`);
      await step('prod', 'proxy.flip');
      const second = await step('prod:out', 'deploy:stable', '--yes');
      expect(second.out).toContain(`deploy.release on ${group2!.join(', ')}`);
      await step('prod', 'proxy.all');
      await sleep(1000);
    } finally {
      await load.stop();
    }
    const r = load.report;
    expect(r.failures, `${steps.join('\n')}\n${r.failures.slice(0, 10).join('\n')}`).toEqual([]);
    expect(r.total).toBeGreaterThan(200);
    expect(r.versions['3.0.0']).toBeGreaterThan(0);
    expect(r.versions['3.0.1']).toBeGreaterThan(0);

    // stable is the hotfix's tag, and every web host runs it.
    const resolve = await p.dpl('version.resolve:stable');
    expect(resolve.out).toMatch(/stable → tag v3\.0\.1 /);
    const sha = (await p.git('rev-parse', 'v3.0.1^{commit}')).stdout.trim();
    for (const h of web) {
      const live = p.current(h);
      const record = p.history(h).filter((x) => x.release === live).pop()!;
      expect(record, h).toMatchObject({ status: 'deployed', tag: 'v3.0.1', sha });
      expect(p.hostFile(h, `app/releases/${live}/config/version.ini`)).toMatch(/^opensky\.version = 3\.0\.1$/m);
    }
    // Both groups are back in rotation and answer with the fix.
    const status = await p.dpl('prod', 'proxy.status');
    expect(status.out.match(/\bready\b/g)?.length).toBe(web.length);
    const after = startLoad(info.haproxy.frontend.address, info.haproxy.frontend.port, { workers: 1 });
    await sleep(500);
    const tail = await after.stop();
    expect(tail.failures).toEqual([]);
    expect(Object.keys(tail.versions)).toEqual(['3.0.1']);
    expect(Object.keys(tail.hosts).sort()).toEqual([...web].sort());
  }, 120_000);

  // Issue #19 item 4, on the same sandbox after the story.
  it('proxy.maintenance:on answers every request with 503 and the page; :off gives the traffic back', async () => {
    const { address, port } = p.info().haproxy.frontend;
    const get = () => fetch(`http://${address}:${port}/`).then(async (r) => ({ status: r.status, retry: r.headers.get('retry-after'), body: await r.text() }));
    const on = await p.dpl('prod', 'proxy.maintenance:on');
    expect(on.code, on.out).toBe(0);
    const down = await get();
    expect(down).toMatchObject({ status: 503, retry: '30' });
    expect(down.body).toContain('Down for maintenance');
    expect((await p.dpl('prod', 'proxy.status')).out).toMatch(/maintenance: app on/);
    const off = await p.dpl('prod', 'proxy.maintenance:off');
    expect(off.code, off.out).toBe(0);
    expect((await get()).status).toBe(200);
    expect((await p.dpl('prod', 'proxy.status')).out).toMatch(/maintenance: app off/);
  }, 60_000);
});
