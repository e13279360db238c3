// The deploy module's typed events (src/deploy/events.ts, src/pipeline/events.ts),
// each from a real run of the release tasks on two "hosts" (deploy paths on this
// machine): the fields, and the line the terminal shows for them. deploy.migrations
// is proven on real hosts in migrations.test.ts (its words, and the rollout report
// that collects it).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DplEvent } from '../../src/core/events.js';
import type { ReleaseConfig } from '../../src/deploy/tasks.js';
import { appRepo, type AppRepo } from './fixtures.js';
import { localReleaseProject } from './in-process.js';

let repo: AppRepo;
beforeAll(() => {
  repo = appRepo();
});
afterAll(() => repo.cleanup());

const HOSTS = ['web-0', 'web-1'];

const project = (config: ReleaseConfig = {}) => localReleaseProject(repo, 'dpl-deploy-events-', config);

type Of<K extends DplEvent['type']> = Extract<DplEvent, { type: K }>;
const all = <K extends DplEvent['type']>(events: DplEvent[], type: K) => events.filter((e): e is Of<K> => e.type === type);

describe('deploy events', () => {
  it('releases, check, cleanup, rollback target and nothing-to-do: data and words', async () => {
    const p = project({ keep: 1 });
    for (const ref of ['v1.0.0', 'v1.1.0']) expect((await p.run([`deploy:${ref}`])).error).toBeUndefined();

    const listed = await p.run(['deploy.releases']);
    expect(listed.error).toBeUndefined();
    const rows = all(listed.events, 'deploy.releases');
    expect(rows.map((e) => e.host).sort()).toEqual(HOSTS);
    const newer = rows[0]!.rows.find((r) => r.current);
    const older = rows[0]!.rows.find((r) => !r.current);
    expect(rows[0]).toMatchObject({ current: newer!.release, previous: older!.release });
    expect(newer).toMatchObject({ status: 'deployed', current: true, ref: 'v1.1.0', sha: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect(listed.logs).toContain(`[${rows[0]!.host}] * ${newer!.release}  deployed    v1.1.0 @ ${newer!.sha!.slice(0, 12)}  (current)`);
    expect(listed.logs).toContain(`[${rows[0]!.host}]   ${older!.release}  deployed    v1.0.0 @ ${older!.sha!.slice(0, 12)}  (rollback target)`);

    const checked = await p.run(['deploy.check']);
    expect(checked.error).toBeUndefined();
    const ok = all(checked.events, 'deploy.check').find((e) => e.host === 'web-0')!;
    expect(ok).toMatchObject({ root: path.join(p.base, 'web-0', 'app'), current: expect.stringContaining(newer!.release), freeKiB: expect.any(Number) });
    expect(checked.logs).toContainEqual(expect.stringMatching(new RegExp(`^\\[web-0\\] ok: ${ok.root} writable by ${ok.user}, lock free, current → \\S+, [\\d.]+ GiB free$`)));

    const cleaned = await p.run(['deploy.cleanup']);
    expect(all(cleaned.events, 'deploy.cleanup').map((e) => [e.host, e.removed])).toEqual(expect.arrayContaining([['web-0', []], ['web-1', []]]));
    expect(cleaned.logs).toContain('[web-0] cleanup: nothing to remove (2 releases kept)');

    const back = await p.run(['deploy.rollback']);
    expect(back.error).toBeUndefined();
    const target = all(back.events, 'deploy.rollback')[0]!;
    expect(target).toEqual(expect.objectContaining({ state: 'target', release: older!.release, ref: 'v1.0.0', tag: 'v1.0.0', sha: older!.sha, hosts: HOSTS }));
    expect(back.logs).toContain(`rolling back to ${older!.release} (v1.0.0 @ ${older!.sha!.slice(0, 12)}) on web-0, web-1`);
    expect(all(back.events, 'deploy.outcome')).toEqual([expect.objectContaining({ phase: 'rollback', release: older!.release, hosts: HOSTS })]);
    expect(back.logs).toContain(`rolled back to ${older!.release}`);

    const again = await p.run([`deploy.rollback:${older!.release}`]);
    expect(all(again.events, 'deploy.nothing')).toEqual([expect.objectContaining({ why: 'already-live', release: older!.release })]);
    expect(again.logs).toContain(`${older!.release} is already live everywhere; nothing to do`);

    const recovered = await p.run(['deploy.recover']);
    expect(all(recovered.events, 'deploy.recover')).toEqual([expect.objectContaining({ state: 'none' })]);
    expect(recovered.logs).toContain('nothing to recover: no unfinished deploy on these hosts');
    // Nothing of the deploy module is a 'log' line any more.
    for (const r of [listed, checked, cleaned, back, again, recovered]) expect(r.events.filter((e) => e.type === 'log')).toEqual([]);
  });

  // (secrets.file, a dry run's "would write", is not reached today: a dry run stops at the lock.)
  it('a once step starts on one host, and the deploy tag without an environment says why it tagged nothing', async () => {
    const p = project({ once: [{ name: 'migrate', migrations: true, run: async () => {} }], deployTag: {} });
    const r = await p.run(['deploy:v1.1.0']);
    expect(r.error).toBeUndefined();
    expect(all(r.events, 'deploy.hook')).toEqual([expect.objectContaining({ hook: 'migrate', state: 'start', host: 'web-0' })]);
    expect(r.logs).toContain('[web-0] running migrate');
    expect(all(r.events, 'deploy.tag')).toEqual([expect.objectContaining({ noEnvironment: true, sha: expect.stringMatching(/^[0-9a-f]{40}$/) })]);
    expect(r.logs).toContain('warning: deployTag: no environment (set deployTag.environment); the commit was not tagged');

  });

  it("--lock-wait: lock.held names the live holder, with waitMs as it starts to wait (one line), again without it as it gives up; nothing acquired", async () => {
    const p = project();
    const lock = path.join(p.base, 'web-0', 'app', '.dpl-lock');
    mkdirSync(lock, { recursive: true });
    writeFileSync(path.join(lock, 'token'), 'f00dfeedf00dfeedf00dfeed\n');
    const since = new Date().toISOString();
    writeFileSync(path.join(lock, 'info.json'), JSON.stringify({ user: 'alice', machine: 'build-7.elsewhere', pid: 4242, time: since, target: 'deploy.release:v9' }) + '\n');
    const r = await p.run(['deploy:v1.0.0'], { flags: { lockWaitMs: 1200 } });
    expect(r.error?.message).toMatch(/^gave up waiting 1.2s for the deploy lock/);
    const held = all(r.events, 'lock.held');
    const holder = { user: 'alice', machine: 'build-7.elsewhere', pid: 4242, since, target: 'deploy.release:v9', ageSeconds: expect.any(Number) };
    // Once when it starts to wait (with waitMs), once more when it gives up (the error says the rest).
    expect(held).toEqual([expect.objectContaining({ host: 'web-0', holder, waitMs: 1200 }), expect.objectContaining({ host: 'web-0', holder })]);
    expect(held[1]!.waitMs).toBeUndefined();
    expect(held[0]!.holder.stale).toBeUndefined();
    expect(r.logs.filter((l) => l.startsWith('waiting up to'))).toEqual([
      expect.stringMatching(new RegExp(`^waiting up to 1.2s for the deploy lock on web-0, held by alice@build-7\\.elsewhere \\(pid 4242, since ${since}, deploy\\.release:v9\\), \\d+s old$`)),
    ]);
    expect(all(r.events, 'lock.acquired')).toEqual([]);
  });
});
