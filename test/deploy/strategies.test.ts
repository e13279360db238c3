// The other ways a release is made, through the real CLI on the sshd bed: built
// once locally and uploaded (strategy upload), and git pull in place (strategy
// pull); plus service restarts, after a deploy and as `restart:<service>`.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeBed } from '../support/bed.js';
import { git, type AppRepo } from './fixtures.js';
import { cliProject, deployFixtures, HOSTS, ok } from './cli-project.js';

describeBed('release strategies and services through the CLI', (bed) => {
  let repo!: AppRepo;
  const { track } = deployFixtures(bed, (r) => (repo = r));
  const log = (h: string, name: string) => path.join(bed.hosts[h]!.root, `services-${name}.log`);
  const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : []);

  it('upload: builds once here, uploads the artifact to every host, restarts the services', async () => {
    const services = `{ manager: { restart: 'echo restart {service} >> "$HOME/services-upload.log"', reload: 'echo reload {service} >> "$HOME/services-upload.log"' }, restart: ['airship'], reload: ['nginx'] }`;
    const p = cliProject(
      bed,
      'upload',
      `{ repoDir: ${JSON.stringify(repo.work)}, roles: ['web'], strategy: 'upload', services: ${services},
         build: { command: 'mkdir -p out && cp app.txt out/ && echo "$DPL_TAG $$ $(date +%s%N)" > out/BUILD', output: 'out' } }`,
      `...serviceTasks(${services}).tasks`,
    );
    track(p);
    const r = await p.dpl(['deploy:v1.1.0']);
    ok(r);
    const builds = HOSTS.map((h) => readFileSync(path.join(p.paths[h]!, 'current', 'BUILD'), 'utf8'));
    expect(builds[0]).toMatch(/^v1\.1\.0 \d+ \d+\n$/);
    expect(new Set(builds).size).toBe(1); // one build, the same bytes everywhere
    for (const h of HOSTS) {
      const live = path.join(p.paths[h]!, 'current');
      expect(readFileSync(path.join(live, 'app.txt'), 'utf8')).toBe('version 1.1.0\n');
      expect(readFileSync(path.join(live, 'REVISION'), 'utf8').trim()).toBe(git(repo.work, 'rev-parse', 'v1.1.0^{commit}'));
      expect(existsSync(path.join(p.paths[h]!, 'repo'))).toBe(false); // the hosts never touched git
      expect(existsSync(path.join(live, '.dpl-artifact.tar.gz'))).toBe(false);
      expect(statSync(path.join(live, 'app.txt')).uid).toBe(bed.uid);
      expect(lines(log(h, 'upload'))).toEqual(['reload nginx', 'restart airship']);
    }

    ok(await p.dpl(['-R', 'web', 'restart:airship']));
    for (const h of HOSTS) expect(lines(log(h, 'upload')).at(-1)).toBe('restart airship');
    const unknown = await p.dpl(['-H', 'web-0', 'restart:nope']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('unknown service "nope"; known: airship, nginx');
  });

  it('pull: updates a checkout in place, and checks the previous commit out again when restart fails', async () => {
    const p = cliProject(
      bed,
      'pull',
      `{ repoDir: ${JSON.stringify(repo.work)}, roles: ['web'], strategy: 'pull',
         hooks: { restart: async (c, rel) => { if (rel.host.name === process.env.FAIL_RESTART && rel.ref.tag === 'v2.0.0-rc.1') await c.run('exit 5'); } } }`,
    );
    track(p);
    ok(await p.dpl(['deploy:v1.0.0']));
    const app = (h: string) => readFileSync(path.join(p.paths[h]!, 'current', 'app.txt'), 'utf8');
    for (const h of HOSTS) {
      expect(statSync(path.join(p.paths[h]!, 'current')).isDirectory()).toBe(true);
      expect(existsSync(path.join(p.paths[h]!, 'current', '.git'))).toBe(true);
      expect(app(h)).toBe('version 1.0.0\n');
    }
    ok(await p.dpl(['deploy:v1.1.0']));
    for (const h of HOSTS) {
      expect(app(h)).toBe('version 1.1.0\n');
      expect(readFileSync(path.join(p.paths[h]!, 'current', 'REVISION'), 'utf8').trim()).toBe(git(repo.work, 'rev-parse', 'v1.1.0^{commit}'));
      expect(p.history(h).at(-1)).toMatchObject({ status: 'deployed', tag: 'v1.1.0', strategy: 'pull' });
    }

    const failed = await p.dpl(['deploy:v2.0.0-rc.1'], { FAIL_RESTART: 'web-1' });
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toContain('every host was checked out back to its previous commit');
    for (const h of HOSTS) {
      expect(app(h)).toBe('version 1.1.0\n');
      expect(p.history(h).at(-1)).toMatchObject({ status: 'failed', tag: 'v2.0.0-rc.1' });
      expect(p.locked(h)).toBe(false);
    }
    const rb = await p.dpl(['deploy.rollback']);
    expect(rb.code).toBe(p.unified ? 2 : 1);
    expect(rb.stderr).toContain('strategy pull deploys in place');
  });
});
