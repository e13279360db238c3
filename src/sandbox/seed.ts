// A fleet that has been in production for a while: every host (but the LB) has
// v2.9.0 and v3.0.0 deployed, v3.0.0 live, in exactly the layout and history
// records dpl's release deploys write, so deploy.releases, rollback and rollouts
// treat them like releases of their own. The databases have 3.0.0's migrations.
// The release names are computed once for the whole fleet (`seedPlan`): a name is a
// timestamp to the second, and seeding host after host takes seconds.
import { appendFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { layoutOf, releaseName } from '../deploy/layout.js';
import { newRecord, recordLine } from '../deploy/history.js';
import type { SandboxHost } from './layout.js';
import { exportTag, subjectOf, type Repos } from './repo.js';

const SEEDED = [
  { tag: 'v2.9.0', daysAgo: 2 },
  { tag: 'v3.0.0', daysAgo: 1 },
];

export interface SeededRelease {
  tag: string;
  name: string;
  when: Date;
}

/** The seeded releases, oldest first (the last one is live), named once for every host. */
export function seedPlan(now: Date): SeededRelease[] {
  return SEEDED.map(({ tag, daysAgo }) => {
    const when = new Date(now.getTime() - daysAgo * 86_400_000);
    return { tag, name: releaseName(when), when };
  });
}

export function seedReleases(git: string, repos: Repos, h: SandboxHost, plan: readonly SeededRelease[]): void {
  const l = layoutOf(h.deployPath);
  mkdirSync(l.releases, { recursive: true, mode: 0o755 });
  mkdirSync(l.shared, { recursive: true, mode: 0o755 });
  const records: string[] = [];
  let live = '';
  for (const { tag, name, when } of plan) {
    const path = l.release(name);
    mkdirSync(path, { mode: 0o755 });
    exportTag(git, repos.origin, tag, path);
    const sha = repos.tags[tag]!;
    writeFileSync(join(path, 'REVISION'), `${sha}\n`);
    const subject = subjectOf(git, repos.origin, tag);
    for (const status of ['prepared', 'deployed'] as const) {
      const r = newRecord(name, status, { ref: tag, tag, sha, subject, strategy: 'git', action: 'deploy' });
      records.push(recordLine({ ...r, time: when.toISOString(), reason: status === 'deployed' ? 'seeded by dpl sandbox up' : undefined }));
    }
    live = name;
  }
  appendFileSync(l.history, records.join('\n') + '\n');
  symlinkSync(`releases/${live}`, l.current);
}

/** One database per environment, migrated as far as 3.0.0 (what `manage.mjs migrate` would have done). */
export function seedDatabases(dbDir: string, migrations: string[]): void {
  for (const env of ['production', 'training']) {
    const dir = join(dbDir, env);
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    writeFileSync(join(dir, 'schema.json'), JSON.stringify({ applied: migrations }, null, 2) + '\n');
    writeFileSync(join(dir, 'migrate.log'), `${new Date().toISOString()} host=- release=- version=3.0.0 applied ${migrations.join(', ')} (seeded by dpl sandbox up)\n`);
  }
}

