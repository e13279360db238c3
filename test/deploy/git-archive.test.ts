// The git strategy's export on real hosts: the mirror fetches from the URL only when the
// commit is missing, and `git archive` goes straight into `tar` (no tar file on disk).
// Without pipefail, git's failure is carried out of the pipe by hand: a commit the
// origin lacks must still fail the prepare with its own message, not a tar complaint
// alone, and no host may switch.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeBed } from '../support/bed.js';
import { cliProject, deployFixtures, HOSTS, ok } from './cli-project.js';
import { chownTree, git, type AppRepo } from './fixtures.js';

describeBed('git strategy: archive into the release', (bed) => {
  let repo!: AppRepo;
  const { track } = deployFixtures(bed, (r) => (repo = r));
  const project = (name: string) => track(cliProject(bed, name, `{ repoDir: ${JSON.stringify(repo.work)}, roles: ['web'], strategy: 'git' }`));

  it('the release holds the tag’s tree and REVISION, and nothing else', async () => {
    const p = project('archive');
    ok(await p.dpl(['deploy:v1.1.0']));
    const sha = git(repo.work, 'rev-parse', 'v1.1.0^{commit}');
    for (const h of HOSTS) {
      const dir = path.join(p.paths[h]!, 'current');
      expect(readdirSync(dir).sort()).toEqual(['REVISION', 'app.txt', 'log']);
      expect(readFileSync(path.join(dir, 'app.txt'), 'utf8')).toBe('version 1.1.0\n');
      expect(readFileSync(path.join(dir, 'REVISION'), 'utf8')).toBe(`${sha}\n`);
    }
  });

  it('a repoUrl that changed: the mirror fetches from the new one and keeps no old URL (found in review)', async () => {
    const first = project('moved');
    ok(await first.dpl(['deploy:v1.0.0']));
    // The repository moved: a copy elsewhere that alone has the next tag.
    const moved = path.join(repo.tmp, 'moved.git');
    git(repo.tmp, 'clone', '-q', '--bare', repo.origin, moved);
    git(repo.work, 'commit', '-q', '--allow-empty', '-m', 'only in the new place');
    git(repo.work, 'tag', '-a', '-m', 'moved', 'v8.0.0');
    git(repo.work, 'push', '-q', moved, 'HEAD:main', 'v8.0.0');
    chownTree(moved, bed.uid, bed.gid);
    const config = `{ repoDir: ${JSON.stringify(repo.work)}, roles: ['web'], strategy: 'git', repoUrl: ${JSON.stringify(moved)} }`;
    const second = track(cliProject(bed, 'moved', config));
    ok(await second.dpl(['deploy:v8.0.0']));
    for (const h of HOSTS) {
      expect(readFileSync(path.join(second.paths[h]!, 'current', 'REVISION'), 'utf8')).toBe(`${git(repo.work, 'rev-parse', 'HEAD')}\n`);
      expect(git(repo.work, 'config', '--file', path.join(second.paths[h]!, 'repo', 'config'), 'remote.origin.url')).toBe(moved);
    }
  });

  it('a tag the origin does not have: prepare fails saying so, no host switches, no release is left', async () => {
    const p = project('unpushed');
    ok(await p.dpl(['deploy:v1.0.0']));
    const before = Object.fromEntries(HOSTS.map((h) => [h, p.current(h)]));
    // Committed and tagged in the operator's checkout only.
    git(repo.work, 'commit', '-q', '--allow-empty', '-m', 'not pushed');
    git(repo.work, 'tag', '-a', '-m', 'not pushed', 'v9.9.9');
    const sha = git(repo.work, 'rev-parse', 'HEAD');
    const r = await p.dpl(['deploy:v9.9.9']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`commit ${sha} is not in ${repo.origin}: push it there first`);
    for (const h of HOSTS) {
      expect(p.current(h)).toBe(before[h]);
      expect(p.releases(h)).toEqual([before[h]]);
      expect(existsSync(path.join(p.paths[h]!, '.dpl-journal.json'))).toBe(false);
    }
  });
});
