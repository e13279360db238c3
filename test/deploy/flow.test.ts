// The deploy flow in-process, hosts reached through the LocalTransport: the
// barrier logic, statuses, rollback and cleanup choices. SSH: cli.test.ts.
import { existsSync, mkdirSync, readFileSync, readlinkSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseConfig } from '../../src/deploy/tasks.js';
import { appRepo, git, type AppRepo } from './fixtures.js';
import { localReleaseProject } from './in-process.js';

let repo: AppRepo;
beforeAll(() => {
  repo = appRepo();
});
afterAll(() => repo.cleanup());

const HOSTS = ['web-0', 'web-1', 'web-2'];

function project(config: ReleaseConfig = {}) {
  const p = localReleaseProject(repo, 'dpl-deploy-hosts-', config, { hosts: HOSTS, roles: { db: ['web-1'] } });
  const releases = (h: string) => (existsSync(path.join(p.paths[h]!, 'releases')) ? readdirSync(path.join(p.paths[h]!, 'releases')).sort() : []);
  const current = (h: string) => (existsSync(path.join(p.paths[h]!, 'current')) ? path.basename(readlinkSync(path.join(p.paths[h]!, 'current'))) : undefined);
  const history = (h: string) =>
    readFileSync(path.join(p.paths[h]!, 'history.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
  return { ...p, releases, current, history };
}

describe('deploy (in-process)', () => {
  it('deploys stable to every host: releases/, current, REVISION, shared links, history', async () => {
    const p = project({ shared: { dirs: ['log'] } });
    const r = await p.run(['deploy']);
    expect(r.error).toBeUndefined();
    const sha = git(repo.work, 'rev-parse', 'v1.1.0^{commit}');
    for (const h of HOSTS) {
      const [name] = p.releases(h);
      expect(name).toMatch(/^\d{8}T\d{6}Z$/);
      expect(p.current(h)).toBe(name);
      expect(readFileSync(path.join(p.paths[h]!, 'current', 'REVISION'), 'utf8').trim()).toBe(sha);
      expect(readFileSync(path.join(p.paths[h]!, 'current', 'app.txt'), 'utf8')).toBe('version 1.1.0\n');
      expect(readlinkSync(path.join(p.paths[h]!, 'current', 'log'))).toBe(path.join(p.paths[h]!, 'shared', 'log'));
      expect(p.history(h).map((x) => x.status)).toEqual(['prepared', 'deployed']);
      expect(existsSync(path.join(p.paths[h]!, '.dpl-lock'))).toBe(false);
    }
    expect(r.logs.some((l) => l.includes('stable → tag v1.1.0'))).toBe(true);
  });

  it('switches no host when one fails to prepare, and leaves nothing half-made', async () => {
    const p = project();
    expect((await p.run(['deploy:v1.0.0'])).error).toBeUndefined();
    const first = p.current('web-0');
    p.config.hooks = { afterPrepare: async (c, rel) => void (rel.host.name === 'web-2' && (await c.run('echo broken install >&2; exit 3'))) };
    const r = await p.run(['deploy:v1.1.0']);
    expect(r.error?.message).toMatch(/web-2: hook afterPrepare failed/);
    expect(r.error?.message).toMatch(/broken install/);
    for (const h of HOSTS) {
      expect(p.current(h)).toBe(first);
      expect(p.releases(h)).toEqual([first]);
      expect(p.history(h).at(-1)).toMatchObject({ status: 'failed' });
      expect(existsSync(path.join(p.paths[h]!, '.dpl-lock'))).toBe(false);
    }
  });

  it('switches all or nothing: when one host cannot switch, the others are switched back exactly', async () => {
    const p = project({ cleanup: false });
    expect((await p.run(['deploy:v1.0.0'])).error).toBeUndefined();
    const a = p.current('web-0')!;
    // web-1 still runs a release made by another tool (absolute link); web-2 cannot switch.
    const foreign = path.join(p.paths['web-1']!, 'releases', 'cap-20261101120000');
    mkdirSync(foreign, { recursive: true });
    rmSync(path.join(p.paths['web-1']!, 'current'));
    symlinkSync(foreign, path.join(p.paths['web-1']!, 'current'));
    rmSync(path.join(p.paths['web-2']!, 'current'));
    mkdirSync(path.join(p.paths['web-2']!, 'current'));
    const r = await p.run(['deploy:v1.1.0']);
    expect(r.error?.message).toMatch(/web-2: command exited with code 1: switch current → \d{8}T\d{6}Z\n.*is a directory, not a symlink/);
    expect(r.error?.message).toMatch(/were switched back/);
    expect(readlinkSync(path.join(p.paths['web-0']!, 'current'))).toBe(`releases/${a}`);
    expect(readlinkSync(path.join(p.paths['web-1']!, 'current'))).toBe(foreign);
    for (const h of HOSTS) {
      expect(p.releases(h).filter((x) => x !== 'cap-20261101120000')).toEqual([a]);
      expect(p.history(h).at(-1)).toMatchObject({ status: 'failed', reason: expect.stringMatching(/switch/) });
    }
  });

  it('rolls back to the previous good release, past one marked failed', async () => {
    const p = project({ cleanup: false });
    expect((await p.run(['deploy:v1.0.0'])).error).toBeUndefined();
    const a = p.current('web-0')!;
    // B: switched, then restart fails on web-1 → every host back on A, B marked failed.
    p.config.hooks = { restart: async (c, rel) => void (rel.host.name === 'web-1' && rel.ref.tag === 'v1.1.0' && (await c.run('exit 4'))) };
    const rb = await p.run(['deploy:v1.1.0']);
    p.config.hooks = {};
    expect(rb.error?.message).toMatch(/switched back/);
    for (const h of HOSTS) expect(p.current(h)).toBe(a);
    expect((await p.run(['deploy:v2.0.0-rc.1'])).error).toBeUndefined();
    const c3 = p.current('web-0')!;
    const [, bName] = p.releases('web-0');
    expect(p.releases('web-0')).toHaveLength(3);
    expect(p.history('web-0').filter((x) => x.release === bName).at(-1)?.status).toBe('failed');

    const r = await p.run(['deploy.rollback']);
    expect(r.error).toBeUndefined();
    for (const h of HOSTS) {
      expect(p.current(h)).toBe(a);
      expect(p.history(h).filter((x) => x.release === c3).at(-1)?.status).toBe('rolled-back');
    }
    // Nothing good is older than A now.
    expect((await p.run(['deploy.rollback'])).error?.message).toMatch(/no good release older than/);
    // Explicitly to a rolled-back one needs force.
    expect((await p.run([`deploy.rollback:${c3}`])).error?.message).toMatch(/marked rolled-back/);
    expect((await p.run([`deploy.rollback:${c3},force=yes`])).error).toBeUndefined();
    expect(p.current('web-1')).toBe(c3);
  });

  it('cleanup keeps the N newest good releases and never current', async () => {
    const p = project({ cleanup: false });
    for (const ref of ['v1.0.0', 'v1.1.0', 'v1.0.0', 'v1.1.0']) expect((await p.run([`deploy:${ref}`])).error).toBeUndefined();
    const all = p.releases('web-0');
    expect(all).toHaveLength(4);
    expect((await p.run(['deploy.cleanup:keep=2'])).error).toBeUndefined();
    for (const h of HOSTS) expect(p.releases(h)).toEqual(all.slice(2));
  });

  it('fails fast when another deploy holds the lock, naming the holder', async () => {
    const p = project();
    mkdirSync(path.join(p.paths['web-1']!, '.dpl-lock'), { recursive: true });
    writeFileSync(path.join(p.paths['web-1']!, '.dpl-lock', 'info.json'), JSON.stringify({ user: 'alice', machine: 'laptop', pid: 4242, time: 'x', target: 'deploy.release:stable' }));
    const r = await p.run(['deploy']);
    expect(r.error?.message).toMatch(/web-1: deploy lock .* is held by alice@laptop \(pid 4242/);
    for (const h of ['web-0', 'web-2']) expect(existsSync(path.join(p.paths[h]!, '.dpl-lock'))).toBe(false);
    expect(p.releases('web-0')).toEqual([]);
    expect((await p.run(['deploy.unlock'])).error).toBeUndefined();
    expect(existsSync(path.join(p.paths['web-1']!, '.dpl-lock'))).toBe(false);
  });

  it('tags the deployed commit when deployTag is set', async () => {
    const p = project({ deployTag: { environment: 'production' } });
    const r = await p.run(['deploy:v1.0.0']);
    expect(r.error).toBeUndefined();
    const tags = git(repo.work, 'tag', '--list', 'deploy/production/*', '--points-at', 'v1.0.0^{commit}');
    expect(tags).toMatch(/^deploy\/production\/\d{4}-\d\d-\d\dT\d\d\.\d\dZ/);
    expect(r.logs.some((l) => l.startsWith('tagged ') && l.includes(tags.split('\n')[0]!))).toBe(true);
  });

  it('builds once and uploads with strategy upload; runs once-steps on one host of the role', async () => {
    const ran: string[] = [];
    const p = project({
      strategy: 'upload',
      build: { command: 'mkdir -p out && cp app.txt out/ && echo built > out/BUILT', output: 'out' },
      once: [{ role: 'db', name: 'migrate', run: async (c, rel) => void ran.push(`${rel.host.name}:${(await c.run('cat BUILT')).stdout.trim()}`) }],
    });
    const r = await p.run(['deploy:v1.0.0']);
    expect(r.error).toBeUndefined();
    expect(ran).toEqual(['web-1:built']);
    for (const h of HOSTS) expect(readFileSync(path.join(p.paths[h]!, 'current', 'BUILT'), 'utf8')).toBe('built\n');
  });

  it('Ctrl-C during prepare: nothing switched, release dirs removed, lock released', async () => {
    const p = project({ hooks: { afterPrepare: async (c) => void (await c.run('sleep 1')) } });
    const controller = new AbortController();
    const r = await p.run(['deploy:v1.0.0'], {
      controller,
      onEvent: (e) => e.type === 'command.start' && e.command === 'sleep 1' && controller.abort(),
    });
    expect(r.error?.message).toMatch(/interrupted during prepare/);
    for (const h of HOSTS) {
      expect(p.current(h)).toBeUndefined();
      expect(p.releases(h)).toEqual([]);
      expect(existsSync(path.join(p.paths[h]!, '.dpl-lock'))).toBe(false);
    }
  });
});

