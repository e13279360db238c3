// Hints name the release tasks where the deployfile mounted them, after the environment:
// a user who mounted `app: releaseTasks()` is not told to run `dpl deploy.releases`.
import { describe, expect, it } from 'vitest';
import { releaseCommand } from '../../src/deploy/task-names.js';
import { dpl, project } from '../helpers/cli.js';

describe('release task names in hints', () => {
  it('follow the mount point and the environment', () => {
    const env = { name: 'production' } as never;
    expect(releaseCommand({ taskName: 'app.release', environment: undefined })('recover')).toBe('dpl app.recover');
    expect(releaseCommand({ taskName: 'web.app.rollback', environment: env })('releases')).toBe('dpl production web.app.releases');
    expect(releaseCommand({ taskName: 'deploy.rollback', environment: undefined })('release', ':<sha>')).toBe('dpl deploy:<sha>');
    expect(releaseCommand({ taskName: 'ship', environment: undefined })('unlock')).toBe('dpl deploy.unlock');
  });

  it('the CLI: a bad release name under `app` points at `dpl production app.releases`, and touches no host', () => {
    const dir = project(`
import { deployfile, releaseTasks } from 'dpl-deploy';
export default deployfile({
  hosts: { 'web-0': { hostname: '127.0.0.1', port: 9 } },
  environments: { production: { roles: { web: ['web-0'] } } },
  tasks: { app: releaseTasks({ roles: ['web'] }) },
});
`);
    const r = dpl(['production', 'app.rollback:yesterday'], { cwd: dir });
    expect(r.stderr).toContain('not a release name: "yesterday"');
    expect(r.stderr).toContain('`dpl production app.releases`');
    expect(r.stderr).not.toContain('deploy.releases');
    expect(r.code).toBe(2);
  });
});
