// The lock reads a bounded history (src/deploy/history-index.ts): a real sshd host whose
// history.jsonl has 50,000 records, the facts that matter far from its end, and the real
// CLI deciding on it. The lock's output stays small (bytes counted over real ssh), and
// cleanup, rollback (with the schema check) and the next release name decide as the
// whole history says.
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { acquireScript, releaseScript } from '../../src/deploy/lock-script.js';
import { layoutOf } from '../../src/deploy/layout.js';
import { parseState, previousGood, statusOf } from '../../src/deploy/history.js';
import { appliedMigrations } from '../../src/deploy/migrations.js';
import { describeBed } from '../support/bed.js';
import type { AppRepo } from './fixtures.js';
import { cliProject, deployFixtures, ok } from './cli-project.js';

const HOST = 'web-0';
/** A name used long ago (a clock far ahead, then fixed): never to be used again. */
const FUTURE = '20991231T235958Z';

const line = (r: Record<string, unknown>) => JSON.stringify({ time: '2020-01-01T00:00:00.000Z', user: 'ops', machine: 'm', ...r });

/** 50,000 records of old releases (2020), removed long ago; every 1,000th applied a migration. */
function oldHistory(): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < 50_000; i++) {
    const release = new Date(Date.UTC(2020, 0, 1) + i * 60_000).toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
    out.push(line({ release, status: 'prepared', sha: 'f'.repeat(40), ref: 'v0', tag: 'v0', subject: 'old release', action: 'deploy', strategy: 'git' }));
    if (i % 1000 === 0) out.push(line({ release, status: 'prepared', migrations: [`0${i}_old`] }));
    out.push(line({ release, status: 'deployed', action: 'deploy' }));
    out.push(line({ release, status: 'removed', action: 'cleanup' }));
  }
  return out;
}

describeBed('the lock reads a bounded history (a real host with 50,000 history records)', (bed) => {
  let repo!: AppRepo;
  const { track } = deployFixtures(bed, (r) => (repo = r));

  it('sends a few KB however long the history, and deploy, cleanup and rollback decide as the whole history says', async () => {
    const p = track(cliProject(bed, 'history-index', `{ repoDir: ${JSON.stringify(repo.work)}, roles: ['web'], cleanup: false }`, '', [HOST]));
    ok(await p.dpl(['deploy:v1.0.0']));
    const a = p.current(HOST)!;
    ok(await p.dpl(['deploy:v1.1.0']));
    const b = p.current(HOST)!;
    const root = p.paths[HOST]!;
    const file = path.join(root, 'history.jsonl');
    const ours = readFileSync(file, 'utf8').trim().split('\n');
    // A failed release newer than the live one, its directory left behind: cleanup must know it failed.
    const failed = `${b.slice(0, 9)}235959Z`;
    mkdirSync(path.join(root, 'releases', failed));
    chownSync(path.join(root, 'releases', failed), bed.uid, bed.gid);
    // What decides is at the top, the 50,000 old records after it: A's and B's records, B's migration,
    // the failed release, the name used long ago.
    const bAt = ours.findIndex((l) => l.includes(`"release":"${b}"`));
    const top = [
      ...ours.slice(0, bAt + 1),
      line({ release: b, status: 'prepared', migrations: ['0009_by_b'] }),
      ...ours.slice(bAt + 1),
      line({ release: failed, status: 'failed', reason: 'restart failed' }),
      line({ release: FUTURE, status: 'removed', action: 'cleanup' }),
    ];
    const old = oldHistory();
    writeFileSync(file, [...top, ...old].join('\n') + '\n');
    const bytes = statSync(file).size;
    expect(bytes).toBeGreaterThan(5_000_000);

    // The lock's own script over real ssh: what it prints, in bytes.
    const layout = layoutOf(root);
    const info = { token: 'test-token-1', user: 'test', machine: 'test', pid: 1, time: new Date().toISOString(), target: 'the test' };
    const out = execFileSync('ssh', ['-F', bed.configFile, HOST, acquireScript(layout, info)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    execFileSync('ssh', ['-F', bed.configFile, HOST, releaseScript(layout, info.token)]);
    const sent = Buffer.byteLength(out);
    expect(out).toContain('@@DPL locked');
    expect(sent, `the lock printed ${sent} bytes for a ${bytes}-byte history`).toBeLessThan(16_000);
    const s = parseState(out);
    expect([statusOf(s, a), statusOf(s, b), statusOf(s, failed), statusOf(s, FUTURE)]).toEqual(['deployed', 'deployed', 'failed', 'removed']);
    expect(previousGood(s)).toBe(a);
    const applied = appliedMigrations([s]);
    expect(applied.filter((m) => m.release >= a)).toEqual([{ name: '0009_by_b', release: b }]);
    // The old releases' migrations are still applied, each attributed to its release.
    expect(applied.length).toBe(old.filter((l) => l.includes('"migrations"')).length + 1);

    // Cleanup: the failed release goes (unknown, as newer than current it would be kept); A and B stay.
    ok(await p.dpl(['deploy.cleanup:keep=5']));
    expect(p.releases(HOST)).toEqual([a, b]);

    // Rollback: the target is A (good, recorded 50,000 lines up); B's migration is ahead of it, the old ones are not.
    const refused = await p.dpl(['deploy.rollback']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`cannot roll back to ${a}: newer releases applied migrations it does not know:\n  - 0009_by_b (applied by ${b})`);
    expect(refused.stderr).not.toContain('_old');
    ok(await p.dpl([`deploy.rollback:${a},allow-schema-ahead=yes`]));
    expect(p.current(HOST)).toBe(a);

    // The next release is named after the newest name ever used, not only after what is on disk.
    ok(await p.dpl(['deploy:v1.1.0']));
    expect(p.current(HOST)).toBe('20991231T235959Z');

    // deploy.releases still reads the statuses.
    const listed = await p.dpl(['deploy.releases']);
    ok(listed);
    for (const r of [a, b, '20991231T235959Z']) expect(listed.stdout + listed.stderr).toContain(r);
  });
});
