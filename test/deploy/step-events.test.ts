// The typed per-host step events a deploy emits (issue #20: the report's timeline):
// 'deploy.step' start, then end or failed with its duration, for lock, prepare,
// switch, restart and record on each host; who deploys on 'deploy.resolved'; how it
// went on 'deploy.outcome'.
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

const project = (config: ReleaseConfig = {}) => localReleaseProject(repo, 'dpl-step-events-', config);

type Step = Extract<DplEvent, { type: 'deploy.step' }>;
type Outcome = Extract<DplEvent, { type: 'deploy.outcome' }>;
const steps = (events: DplEvent[], host: string) => events.filter((e): e is Step => e.type === 'deploy.step' && e.host === host);

describe("deploy: per-host 'deploy.step' events", () => {
  it('each host: lock, prepare, switch, restart, record, each a start then an end with its duration; switch says from where', async () => {
    const p = project();
    const first = await p.run(['deploy:v1.0.0']);
    expect(first.error).toBeUndefined();
    const r = await p.run(['deploy:v1.1.0']);
    expect(r.error).toBeUndefined();
    const resolved = r.events.find((e) => e.type === 'deploy.resolved')!;
    expect(resolved).toMatchObject({ tag: 'v1.1.0', by: expect.stringMatching(/^.+@.+$/) });
    const before = first.events.find((e) => e.type === 'deploy.resolved')!;
    for (const h of HOSTS) {
      const s = steps(r.events, h);
      expect(s.map((e) => `${e.step} ${e.state}`)).toEqual(['lock', 'prepare', 'switch', 'restart', 'record'].flatMap((x) => [`${x} start`, `${x} end`]));
      for (const e of s.filter((x) => x.state === 'end')) expect(e.durationMs).toBeGreaterThanOrEqual(0);
      expect(s.find((e) => e.step === 'switch' && e.state === 'end')).toMatchObject({ release: resolved.release, from: before.release });
      expect(r.events.find((e) => e.type === 'deploy.status' && e.host === h)).toMatchObject({ status: 'deployed', from: before.release });
    }
  });

  it("the outcome is a typed 'deploy.outcome' (start, then success) with the release, ref, commit and hosts, and its words", async () => {
    const p = project();
    const r = await p.run(['deploy:v1.1.0']);
    expect(r.error).toBeUndefined();
    const resolved = r.events.find((e) => e.type === 'deploy.resolved')!;
    const outcomes = r.events.filter((e): e is Outcome => e.type === 'deploy.outcome');
    const fields = { release: resolved.release, ref: 'v1.1.0', tag: 'v1.1.0', sha: resolved.sha, hosts: HOSTS };
    expect(outcomes).toEqual([expect.objectContaining({ phase: 'start', flow: 'all', ...fields }), expect.objectContaining({ phase: 'success', ...fields })]);
    expect(r.events.some((e) => e.type === 'log' && e.topic === 'deploy')).toBe(false);
    expect(r.logs).toContain(`deploying v1.1.0 (${resolved.sha.slice(0, 12)}) as release ${resolved.release} to web-0, web-1`);
    expect(r.logs).toContain(`release ${resolved.release} is live on 2 hosts`);
  });

  it('a failed prepare is a failed step with its error; a lock held by someone else is a failed lock step', async () => {
    const p = project({ hooks: { afterPrepare: async (c) => { if (c.host.name === 'web-1') throw new Error('no space left on <device>'); } } });
    const r = await p.run(['deploy:v1.0.0']);
    expect(r.error).toBeDefined();
    expect(steps(r.events, 'web-1').find((e) => e.step === 'prepare' && e.state === 'failed')).toMatchObject({ error: expect.stringContaining('no space left on <device>'), durationMs: expect.any(Number) });
    expect(steps(r.events, 'web-0').find((e) => e.step === 'prepare')?.state).toBe('start');
    expect(steps(r.events, 'web-0').some((e) => e.step === 'switch')).toBe(false);
    const failure = r.events.find((e): e is Outcome => e.type === 'deploy.outcome' && e.phase === 'failure')!;
    expect(failure).toMatchObject({ ref: 'v1.0.0', hosts: HOSTS, error: expect.stringContaining('no space left on <device>') });
    expect(r.logs).toContain(`error: deploy of ${failure.release} failed: ${failure.error!.split('\n')[0]}`);

    const lock = path.join(p.paths['web-0']!, '.dpl-lock');
    mkdirSync(lock, { recursive: true });
    writeFileSync(path.join(lock, 'token'), 'f00dfeedf00dfeedf00dfeed\n');
    writeFileSync(path.join(lock, 'info.json'), JSON.stringify({ user: 'alice', machine: 'build-7.elsewhere', pid: 4242, time: new Date().toISOString(), target: 'deploy.release:v9' }) + '\n');
    const held = await p.run(['deploy:v1.0.0']);
    expect(held.error?.message).toMatch(/lock/);
    expect(steps(held.events, 'web-0')).toEqual([
      expect.objectContaining({ step: 'lock', state: 'start' }),
      expect.objectContaining({ step: 'lock', state: 'failed', error: expect.stringMatching(/^held by alice@build-7\.elsewhere/) }),
    ]);
  });
});
