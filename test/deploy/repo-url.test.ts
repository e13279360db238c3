// A repository URL that git would read as an option (`--upload-pack=<command>`)
// must never reach git on the hosts as one (#14 finding 8): deploy.check's
// `git ls-remote` ran the command on every host; `remote set-url` (pull, and the
// git strategy's mirror) took it as an option too. dpl refuses such a URL with a
// clear error, and passes every URL to git after `--`.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeBed } from '../support/bed.js';
import { cliProject, deployFixtures, HOSTS } from './cli-project.js';
import type { AppRepo } from './fixtures.js';

describeBed('a repository URL that looks like an option', (bed) => {
  let repo!: AppRepo;
  const { track } = deployFixtures(bed, (r) => (repo = r));
  const marker = (h: string) => path.join(bed.hosts[h]!.root, 'pwned-by-url');
  const evil = `--upload-pack=touch "$HOME/pwned-by-url";:`;

  for (const strategy of ['git', 'pull'] as const) {
    it(`${strategy}: deploy.check and deploy refuse it, and no host runs the command`, async () => {
      const p = cliProject(bed, `url-${strategy}`, `{ repoDir: ${JSON.stringify(repo.work)}, roles: ['web'], strategy: '${strategy}', repoUrl: ${JSON.stringify(evil)} }`);
      track(p);
      const check = await p.dpl(['deploy.check']);
      for (const h of HOSTS) expect(existsSync(marker(h)), `deploy.check ran the URL's command on ${h}`).toBe(false);
      expect(check.code).not.toBe(0);
      expect(check.stderr).toContain('starts with "-"');
      const deploy = await p.dpl(['deploy:v1.0.0']);
      expect(deploy.code).not.toBe(0);
      expect(deploy.stderr).toContain('starts with "-"');
      for (const h of HOSTS) expect(existsSync(marker(h))).toBe(false);
    });
  }
});
