// Story 2, G Adventures: roles web/media/celery, a training box and a production
// fleet. Each deploy migrates its database exactly once, collects static files on
// media hosts only, restarts what each host runs, and switches `current` everywhere.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sandboxForFile, type E2eProject } from './support.js';

let p: E2eProject;

const migrations = (db: string, release: string) =>
  readFileSync(path.join(db, 'migrate.log'), 'utf8').split('\n').filter((l) => l.includes(`release=${release} `));

describe('story 2: G Adventures roles, training and production', () => {
  sandboxForFile('roles', (x) => (p = x), 12);

  const pids = (host: string) =>
    Object.fromEntries(p.info().hosts[host]!.services.map((s) => [s, p.hostFile(host, `run/${s}.pid`).trim()]));
  const hasStatic = (host: string) => existsSync(path.join(p.info().hosts[host]!.deployPath, 'current', 'public', 'static', 'site.css'));

  it('sandbox up again reuses the running sandbox; status --json reports every host up', async () => {
    const again = await p.dpl('sandbox', 'up');
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain('already up');
    const st = await p.dpl('sandbox', 'status', '--json');
    expect(st.code, st.out).toBe(0);
    const s = JSON.parse(st.stdout) as { up: boolean; status: { hosts: Array<{ name: string; sshd: number | null; lb?: { status: string } }> } };
    expect(s.up).toBe(true);
    const web = p.info().inventory.roles.web!;
    expect(s.status.hosts.map((h) => h.name)).toEqual([...web, 'media-0', 'celery-0', 'training-0', 'lb-0']);
    for (const h of s.status.hosts) expect(h.sshd, h.name).toBeGreaterThan(0);
    for (const h of s.status.hosts.filter((x) => web.includes(x.name))) expect(h.lb?.status, h.name).toBe('UP');
  }, 30_000);

  it('training deploy:develop: one box with every role; migration 0004 runs once, on the training database', async () => {
    const info = p.info();
    const before = pids('training-0');
    const r = await p.dpl('training', 'deploy:develop');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('deploy.release on training-0 (orchestrated)');
    const live = p.current('training-0');
    const ran = migrations(path.join(info.db, 'training'), live);
    expect(ran).toHaveLength(1);
    expect(ran[0]).toContain('host=training-0');
    expect(ran[0]).toContain('applied 0004_add_fare_cache.sql');
    expect(migrations(path.join(info.db, 'production'), live)).toEqual([]);
    expect(hasStatic('training-0')).toBe(true);
    const after = pids('training-0');
    for (const s of ['airship', 'worker']) expect(after[s], s).not.toBe(before[s]);
    // Production hosts were not touched.
    for (const h of [...info.inventory.roles.web!, 'media-0', 'celery-0']) expect(p.current(h)).not.toBe(live);
  }, 60_000);

  it('production deploy: migrate once on a web host, static on media only, services restarted, current everywhere', async () => {
    const info = p.info();
    const web = info.inventory.roles.web!;
    const fleet = [...web, 'media-0', 'celery-0'];
    const before = Object.fromEntries(fleet.map((h) => [h, pids(h)]));
    const r = await p.dpl('production', 'deploy', '--yes');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/stable → tag v3\.0\.0 /);

    const live = p.current('web-0');
    const ran = migrations(path.join(info.db, 'production'), live);
    expect(ran, r.out).toHaveLength(1);
    expect(ran[0]).toContain(`host=${web[0]}`);
    expect(r.out.match(/node app\/manage\.mjs migrate/g)).toHaveLength(1);

    expect(hasStatic('media-0')).toBe(true);
    for (const h of [...web, 'celery-0']) expect(hasStatic(h), h).toBe(false);
    expect(r.out.match(/node app\/manage\.mjs collectstatic/g)).toHaveLength(1);

    const sha = (await p.git('rev-parse', 'v3.0.0^{commit}')).stdout.trim();
    for (const h of fleet) {
      const deployPath = info.hosts[h]!.deployPath;
      expect(p.current(h), h).toBe(live);
      expect(readFileSync(path.join(deployPath, 'releases', live, 'REVISION'), 'utf8').trim()).toBe(sha);
      const after = pids(h);
      for (const s of info.hosts[h]!.services) expect(after[s], `${h} ${s}`).not.toBe(before[h]![s]);
    }
    expect(r.out).toContain('[celery-0] run: svc restart worker');
    for (const h of web) expect(r.out).toContain(`[${h}] run: svc restart airship`);
    expect(r.out).not.toContain('[media-0] run: svc restart');

    // The services answer from the new release: the worker logs, the web app serves 3.0.0.
    const status = await p.dpl('production', 'status');
    expect(status.code, status.out).toBe(0);
    expect(status.out).toContain(live);
  }, 60_000);
});
