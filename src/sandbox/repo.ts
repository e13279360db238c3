// The sandbox's git origin (a bare repo the hosts fetch from by path) and the
// developer's working clone the hotfix story runs in. History, built from the files
// in sandbox-app/: v2.9.0 and v3.0.0 on main (stable = v3.0.0), develop one commit
// ahead (migration 0004), and release/3.1.0 (with 0004) tagged v3.1.0-rc.1, whose
// /health fails, v3.1.0-rc.2, healthy but answering 500 to every page, and v3.1.0-rc.3, good.
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gitOrigin } from '../fleet/git.js';
import { PACKAGE_ROOT } from '../paths.js';

export const APP_SOURCE = join(PACKAGE_ROOT, 'sandbox-app');

/** Commits made by the sandbox itself: a fixed identity (gitOrigin adds: no signing, whatever the user's git config says). */
const IDENTITY = { name: 'OpenSky Dev', email: 'dev@opensky.example' };

export interface Repos {
  origin: string;
  work: string;
  /** tag → commit */
  tags: Record<string, string>;
}

export function makeRepos(git: string, dir: string): Repos {
  const repo = gitOrigin(dir, { git, identity: IDENTITY });
  const { origin, work } = repo;
  const run = (_cwd: string, ...args: string[]) => repo.git(...args);
  cpSync(APP_SOURCE, work, { recursive: true });

  const edit = (file: string, from: RegExp, to: string) => {
    const path = join(work, file);
    writeFileSync(path, readFileSync(path, 'utf8').replace(from, to));
  };
  const version = (v: string) => edit('config/version.ini', /^opensky\.version\s*=.*$/m, `opensky.version = ${v}`);
  const changelog = (line: string) => writeFileSync(join(work, 'CHANGELOG.md'), `# OpenSky changes\n\n${line}\n`);
  const commit = (message: string, tag?: string) => {
    run(work, 'add', '-A');
    run(work, 'commit', '-q', '-m', message);
    if (tag) run(work, 'tag', '-a', '-m', message, tag);
  };
  const tags: Record<string, string> = {};

  // 2.9.0: no fares yet, and the greeting still spelt right.
  const fares = readFileSync(join(work, 'app/migrations/0003_add_fares.sql'));
  rmSync(join(work, 'app/migrations/0003_add_fares.sql'));
  version('2.9.0');
  edit('config/app.ini', /^greeting = .*$/m, 'greeting = Welcome aboard');
  changelog('- 2.9.0: seats per flight');
  commit('OpenSky 2.9.0', 'v2.9.0');
  // 3.0.0: exactly the files in sandbox-app/ (typo included).
  writeFileSync(join(work, 'app/migrations/0003_add_fares.sql'), fares);
  cpSync(join(APP_SOURCE, 'config'), join(work, 'config'), { recursive: true });
  changelog('- 3.0.0: fares');
  commit('OpenSky 3.0.0', 'v3.0.0');
  // develop: 3.1 work (a new migration) that touches neither the version line nor the greeting.
  run(work, 'checkout', '-q', '-b', 'develop');
  writeFileSync(join(work, 'app/migrations/0004_add_fare_cache.sql'), 'CREATE TABLE fare_cache (flight_id INTEGER, cents INTEGER, cached_at TEXT);\n');
  changelog('- 3.1.0 (unreleased): a fare cache');
  commit('Add the fare cache table');
  // release/3.1.0: the candidate whose /health waits for a cache the sandbox does not have.
  run(work, 'checkout', '-q', '-b', 'release/3.1.0');
  version('3.1.0');
  commit('Bump version to 3.1.0');
  edit('config/app.ini', /^requires =.*$/m, 'requires = cache');
  commit('Require a warm fare cache before /health answers', 'v3.1.0-rc.1');
  // rc.2: healthy, but every page fails (the cache is cold): only a bake catches it.
  edit('config/app.ini', /^requires =.*$/m, 'requires =');
  edit('config/app.ini', /^rate = .*$/m, 'rate = 1');
  commit('Serve fares from the cache only', 'v3.1.0-rc.2');
  // rc.3: a good release candidate, with migration 0004 (a rollback past it is refused).
  edit('config/app.ini', /^rate = .*$/m, 'rate = 0');
  commit('Fall back to the database when the fare cache is cold', 'v3.1.0-rc.3');
  for (const t of ['v2.9.0', 'v3.0.0', 'v3.1.0-rc.1', 'v3.1.0-rc.2', 'v3.1.0-rc.3']) tags[t] = run(work, 'rev-parse', `${t}^{commit}`);

  run(work, 'push', '-q', 'origin', 'main', 'develop', 'release/3.1.0', '--follow-tags');
  // The developer's clone: develop checked out, tracking origin; story commits need no global identity.
  run(work, 'checkout', '-q', 'develop');
  run(work, 'branch', '-q', '-D', 'release/3.1.0');
  run(work, 'fetch', '-q', 'origin');
  for (const b of ['main', 'develop']) run(work, 'branch', '-q', '--set-upstream-to', `origin/${b}`, b);
  for (const [k, v] of [['user.name', IDENTITY.name], ['user.email', IDENTITY.email], ['commit.gpgsign', 'false'], ['tag.gpgsign', 'false']]) {
    run(work, 'config', k!, v!);
  }
  return { origin, work, tags };
}

/** A tag's tree as a tar stream, unpacked into `dest` (how the sandbox seeds a release). */
export function exportTag(git: string, origin: string, tag: string, dest: string): void {
  const tar = execFileSync(git, ['--git-dir', origin, 'archive', '--format=tar', tag], { maxBuffer: 64 << 20 });
  execFileSync('tar', ['-x', '-C', dest], { input: tar });
}

/** Subject line of a tagged commit (what the history records show). */
export function subjectOf(git: string, origin: string, tag: string): string {
  return execFileSync(git, ['--git-dir', origin, 'log', '-1', '--format=%s', `${tag}^{commit}`], { encoding: 'utf8' }).trim();
}
