// A deploy logs in to its first hosts while the ref resolves here (src/deploy/targets.ts
// preconnect): the origin's upload-pack is made to take a second, so the ref cannot be
// resolved before the handshakes are done, and the event stream shows them first. Nothing
// runs on a host before its lock: the first command on each host is still the lock.
import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';
import type { DplEvent } from '../../src/core/events.js';
import { describeBed } from '../support/bed.js';
import type { AppRepo } from './fixtures.js';
import { cliProject, deployFixtures, HOSTS, ok } from './cli-project.js';

describeBed('a deploy logs in while the ref resolves (CLI, real hosts)', (bed) => {
  let repo!: AppRepo;
  const { track } = deployFixtures(bed, (r) => (repo = r));

  it('each host is connected before the ref is resolved, and its first command is the lock', async () => {
    const p = track(cliProject(bed, 'preconnect', `{ repoDir: ${JSON.stringify(repo.work)}, roles: ['web'], fetch: true }`));
    execFileSync('git', ['-C', repo.work, 'config', 'remote.origin.uploadpack', 'sleep 1; git-upload-pack']);
    try {
      const r = await p.dpl(['--json', '-v', 'deploy:v1.1.0']);
      ok(r);
      const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as DplEvent);
      const message = (e: DplEvent) => (e.type === 'log' ? String((e as { message?: unknown }).message) : '');
      const resolved = events.findIndex((e) => e['type'] === 'git.resolved' && e['tag'] === 'v1.1.0');
      expect(resolved, r.stdout).toBeGreaterThan(0);
      for (const h of HOSTS) {
        const connected = events.findIndex((e) => e.type === 'log' && (e as { host?: string }).host === h && message(e).startsWith('connected to'));
        expect(connected, `${h} connected before the ref resolved`).toBeGreaterThanOrEqual(0);
        expect(connected, `${h} connected before the ref resolved`).toBeLessThan(resolved);
        const first = events.find((e) => e.type === 'command.start' && e.host === h);
        expect(first && first.type === 'command.start' && first.command).toBe('take deploy lock');
      }
    } finally {
      execFileSync('git', ['-C', repo.work, 'config', '--unset', 'remote.origin.uploadpack']);
    }
  });
});
