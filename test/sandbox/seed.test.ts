// Issue #16, fault 8: `dpl sandbox up` must seed v2.9.0 and v3.0.0 under one release
// name each, on every host. A release name is a timestamp to the second. The seed
// used to compute it per host, after exporting the previous host's trees with
// `git archive`: when the seeding crossed a second boundary, later hosts got other
// names (7 of 12 sandboxes), and the first deploy.rollback refused because the hosts
// "do not agree on the previous good release". To make the crossing certain, not
// lucky, `sandbox up` runs here with a `git` first on PATH whose `archive` takes
// 0.6 s (then runs the real git): every host's export crosses at least one second.
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quote } from '../../src/core/quote.js';
import { dplCommand } from '../helpers/cli.js';
import { e2eProject, type E2eProject, type Run } from '../e2e/support.js';

function run(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve) => {
    const [cmd, argv] = dplCommand(args);
    const child = spawn(cmd, argv, { cwd, env: { ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    child.once('close', (code) => resolve({ code, stdout, stderr, out: stdout + stderr }));
  });
}

describe('dpl sandbox up: one release name per seeded release on every host (#16 fault 8)', () => {
  let p: E2eProject;
  let slowGit: string;

  const seeded = () => Object.values(p.info().hosts).filter((h) => h.kind !== 'lb');
  const releasesOf = (deployPath: string) => readdirSync(path.join(deployPath, 'releases')).sort();
  const tagsOf = (host: string) => Object.fromEntries(p.history(host).filter((r) => r.status === 'deployed').map((r) => [r.tag, r.release]));

  beforeAll(async () => {
    slowGit = mkdtempSync(path.join(tmpdir(), 'dpl-slow-git-'));
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    writeFileSync(
      path.join(slowGit, 'git'),
      `#!/bin/sh\n# the seed exports each release with git archive: make each export cross a second\ncase " $* " in *" archive "*) sleep 0.6 ;; esac\nexec ${quote(realGit)} "$@"\n`,
    );
    chmodSync(path.join(slowGit, 'git'), 0o755);
    chmodSync(slowGit, 0o755);
    p = e2eProject('seed');
    const up = await run(['sandbox', 'up'], p.dir, { ...process.env, PATH: `${slowGit}${path.delimiter}${process.env.PATH ?? ''}` });
    expect(up.code, up.out).toBe(0);
  }, 120_000);

  afterAll(async () => {
    if (p) {
      const { run: down, leftovers } = await p.down();
      p.remove();
      expect(down.code, down.out).toBe(0);
      expect(leftovers).toEqual([]);
    }
    if (slowGit) rmSync(slowGit, { recursive: true, force: true });
  }, 60_000);

  it('every seeded host has the same two release names, v3.0.0 live', () => {
    const hosts = seeded();
    expect(hosts.length).toBe(7);
    const names = Object.fromEntries(hosts.map((h) => [h.name, { releases: releasesOf(h.deployPath), live: p.current(h.name), tags: tagsOf(h.name) }]));
    const first = names[hosts[0]!.name]!;
    expect(first.releases).toHaveLength(2);
    expect(first.tags).toEqual({ 'v2.9.0': first.releases[0], 'v3.0.0': first.releases[1] });
    expect(first.live).toBe(first.releases[1]);
    for (const h of hosts) expect(names[h.name], h.name).toEqual(first);
  });

  it('production deploy, then deploy.rollback: every host back on the seeded v3.0.0', async () => {
    const seededLive = p.current('web-0');
    const deploy = await p.dpl('production', 'deploy', '--yes');
    expect(deploy.code, deploy.out).toBe(0);
    const targets = ['web-0', 'web-1', 'web-2', 'web-3', 'media-0', 'celery-0'];
    const deployed = p.current('web-0');
    expect(deployed).not.toBe(seededLive);
    for (const h of targets) expect(p.current(h), h).toBe(deployed);

    const back = await p.dpl('production', 'deploy.rollback');
    expect(back.code, back.out).toBe(0);
    expect(back.out).toContain(`rolling back to ${seededLive}`);
    for (const h of targets) {
      expect(p.current(h), h).toBe(seededLive);
      expect(readFileSync(path.join(p.info().hosts[h]!.deployPath, 'current', 'config', 'version.ini'), 'utf8'), h).toMatch(/opensky\.version = 3\.0\.0/);
    }
  }, 120_000);
});
