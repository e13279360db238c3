// The deploy lock's parts on this machine: its shell scripts run by the real /bin/sh
// on a real directory (a path with spaces and quotes), the stale judgement against
// real processes, --lock-wait durations, and the terminal confirmation for a stale
// lock (in-process, LocalTransport), which --yes must not answer.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { duration } from '../../src/cli/options.js';
import { layoutOf } from '../../src/deploy/layout.js';
import { formatDuration, judgeHolder, newLockInfo, processStart } from '../../src/deploy/lock-holder.js';
import { acquireScript, holderTokenScript, lockStatusSnippet, releaseScript } from '../../src/deploy/lock-script.js';
import { marker } from '../../src/deploy/remote.js';
import type { DplEvent } from '../../src/core/events.js';
import type { CliFlags } from '../../src/core/context-types.js';
import { appRepo, openTmp } from './fixtures.js';
import { localReleaseProject } from './in-process.js';

const tmp = openTmp('dpl-lock-units-');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const sh = (script: string) => {
  try {
    return { code: 0, stdout: execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, stdout: err.stdout, stderr: err.stderr };
  }
};

describe('lock scripts (real sh, real directory)', () => {
  const l = layoutOf(path.join(tmp, `it's a "deploy" $path`));

  it('takes, reports the holder, takes over only the stale token given, releases; nothing else left', () => {
    const a = newLockInfo('deploy.release:a');
    const b = newLockInfo('deploy.release:b');
    const took = sh(acquireScript(l, a));
    expect(took.stdout).toContain('@@DPL locked\n');
    expect(readFileSync(path.join(l.lock, 'token'), 'utf8')).toBe(`${a.token}\n`);
    expect(JSON.parse(readFileSync(path.join(l.lock, 'info.json'), 'utf8'))).toMatchObject({ target: 'deploy.release:a', pid: process.pid });
    expect(readFileSync(path.join(l.lock, 'info.json'), 'utf8')).not.toContain(a.token);

    const held = sh(acquireScript(l, b));
    expect(held.code).toBe(0);
    expect(marker(held.stdout, 'locked')).toBeUndefined();
    expect(marker(held.stdout, 'token')).toBe(a.token);
    expect(marker(held.stdout, 'held')).toMatch(/^\d+$/);
    expect(marker(sh(holderTokenScript(l)).stdout, 'held')).toBe(a.token);
    // Status (deploy.check) shows the holder but never the token.
    expect(sh(lockStatusSnippet(l)).stdout).not.toContain(a.token);

    // A takeover naming another token puts the lock it moved aside back.
    const wrong = sh(acquireScript(l, b, 'not-the-token'));
    expect(marker(wrong.stdout, 'token')).toBe(a.token);
    const taken = sh(acquireScript(l, b, a.token));
    expect(taken.stdout).toContain('@@DPL replaced\n');
    expect(taken.stdout).toContain('@@DPL locked\n');
    expect(readFileSync(path.join(l.lock, 'token'), 'utf8')).toBe(`${b.token}\n`);

    expect(sh(releaseScript(l, a.token)).stdout).toContain('@@DPL foreign');
    expect(sh(releaseScript(l, b.token)).stdout).toContain('@@DPL released');
    expect(marker(sh(holderTokenScript(l)).stdout, 'free')).toBe('');
    expect(readdirSync(l.root).filter((e) => e.startsWith('.dpl-lock'))).toEqual([]);
  });

  it('a failed step removes its temp dir and names the step and the error', () => {
    const ro = layoutOf(path.join(tmp, 'read-only'));
    mkdirSync(ro.root, { recursive: true });
    // A directory where the lock's temp dir would go: mkdir fails there like on a read-only disk.
    const info = newLockInfo('t');
    writeFileSync(`${ro.lock}.tmp.${info.token}`, 'in the way');
    const r = sh(acquireScript(ro, info));
    expect(r.code).toBe(3);
    expect(marker(r.stdout, 'failed')).toBe(`creating ${ro.lock}.tmp.${info.token}`);
    expect(r.stderr).toContain('File exists');
    expect(existsSync(ro.lock)).toBe(false);
  });
});

describe('stale judgement (this machine, real processes)', () => {
  const base = { user: 'u', machine: hostname(), time: 'T', target: 't' };

  it('live: our own process with its start time', () => {
    expect(judgeHolder({ ...base, pid: process.pid, pidStart: processStart(process.pid) })).toEqual({ state: 'live' });
  });

  it('stale: a pid that exited; a pid now running another process; a lock from before a restart', async () => {
    const dead = spawn('sleep', ['0']);
    await new Promise((r) => dead.on('exit', r));
    expect(judgeHolder({ ...base, pid: dead.pid })).toEqual({ state: 'stale', evidence: `it ran on this machine (${hostname()}), and pid ${dead.pid} is not running on this machine (checked now)` });
    const other = judgeHolder({ ...base, pid: process.pid, pidStart: '1' });
    expect(other.state === 'stale' && other.evidence).toMatch(`pid ${process.pid} is running on this machine but is another process`);
    expect(judgeHolder({ ...base, pid: process.pid, boot: 'another-boot' }).state).toBe('stale');
  });

  it('never stale: another machine, or no pid to check', async () => {
    const dead = spawn('sleep', ['0']);
    await new Promise((r) => dead.on('exit', r));
    expect(judgeHolder({ ...base, machine: 'elsewhere', pid: dead.pid }).state).toBe('unknown');
    expect(judgeHolder({ ...base, pid: undefined }).state).toBe('unknown');
    expect(judgeHolder(undefined).state).toBe('unknown');
  });
});

describe('--lock-wait durations', () => {
  it('parses a number with its unit; anything else is refused', () => {
    const parse = duration('--lock-wait');
    expect([parse('500ms'), parse('30s'), parse('2m'), parse('1.5s'), parse('1h')]).toEqual([500, 30_000, 120_000, 1500, 3_600_000]);
    for (const bad of ['10', 'soon', '0s', '-5s', '', '5 m', '0.5ms']) expect(() => parse(bad), bad).toThrow(/--lock-wait must be a duration/);
    expect([500, 1500, 30_000, 120_000, 90_000].map(formatDuration)).toEqual(['500ms', '1.5s', '30s', '2m', '1m 30s']);
  });
});

describe('a stale lock on a terminal (in-process)', () => {
  const repo = appRepo();
  afterAll(() => repo.cleanup());

  async function deployWith(answer: boolean, flags: Partial<CliFlags>) {
    const p = localReleaseProject(repo, 'dpl-lock-confirm-', { cleanup: false });
    const hosts = Object.keys(p.paths);
    const dead = spawn('sleep', ['0']);
    await new Promise((r) => dead.on('exit', r));
    for (const h of hosts) {
      mkdirSync(path.join(p.paths[h]!, '.dpl-lock'), { recursive: true });
      writeFileSync(path.join(p.paths[h]!, '.dpl-lock', 'token'), 'deadbeef\n');
      writeFileSync(path.join(p.paths[h]!, '.dpl-lock', 'info.json'), JSON.stringify({ user: 'u', machine: hostname(), pid: dead.pid, time: 'T', target: 'deploy.release:v0' }));
    }
    const asked: string[] = [];
    const { error, events } = await p.run(['deploy:v1.0.0'], {
      flags: { yes: false, ...flags },
      prompter: { interactive: true, secret: async () => '', confirm: async (q) => (asked.push(q), answer) },
    });
    const takeovers = events.filter((e): e is Extract<DplEvent, { type: 'lock.takeover' }> => e.type === 'lock.takeover');
    const locked = hosts.filter((h) => existsSync(path.join(p.paths[h]!, '.dpl-lock')));
    rmSync(p.base, { recursive: true, force: true });
    return { error, asked, takeovers, locked, pid: dead.pid };
  }

  it('asks once per stale holder; yes takes it over with a warning', async () => {
    const r = await deployWith(true, {});
    expect(r.error).toBeUndefined();
    expect(r.asked).toHaveLength(1);
    expect(r.asked[0]).toMatch(new RegExp(`The deploy lock on web-0 is stale: held by u@\\S+ \\(pid ${r.pid}, .*not running on this machine \\(checked now\\)\\. Take it over\\?`));
    expect(r.takeovers.map((e) => e.host)).toEqual(['web-0', 'web-1']);
    for (const e of r.takeovers) expect(e.holder).toMatchObject({ user: 'u', pid: r.pid, stale: expect.stringContaining('not running on this machine (checked now)') });
    expect(r.locked).toEqual([]);
  });

  it('no (even with --yes) leaves the lock and fails naming it stale', async () => {
    const r = await deployWith(false, { yes: true });
    expect(r.asked).toHaveLength(1);
    expect(r.error?.message).toMatch(/deploy lock .* is stale: held by u@/);
    expect(r.locked).toEqual(['web-0', 'web-1']);
  });
});
