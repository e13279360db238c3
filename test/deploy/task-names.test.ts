// Hints name the release tasks where the deployfile mounted them, after the environment:
// a user who mounted `app: releaseTasks()` is not told to run `dpl deploy.releases`.
import { describe, expect, it } from 'vitest';
import { releaseCommand } from '../../src/deploy/task-names.js';
import { dpl, project } from '../helpers/cli.js';

describe('release task names in hints', () => {
  it('follow the mount point and the environment', () => {
    const env = { name: 'production' } as never;
    const session = (...scope: string[]) => ({ scope }) as never;
    expect(releaseCommand({ taskName: 'app.release', environment: undefined, session: session() })('recover')).toBe('dpl app.recover');
    expect(releaseCommand({ taskName: 'web.app.rollback', environment: env, session: session() })('releases')).toBe('dpl production web.app.releases');
    expect(releaseCommand({ taskName: 'deploy.rollback', environment: undefined, session: session() })('release', ':<sha>')).toBe("dpl 'deploy:<sha>'");
    expect(releaseCommand({ taskName: 'ship', environment: undefined, session: session() })('unlock')).toBe('dpl deploy.unlock');
  });

  it('name the tasks that chose the hosts, quoted for a shell, rather than only the environment', () => {
    const env = { name: 'production' } as never;
    const c = (...scope: string[]) => ({ taskName: 'deploy.rollback', environment: env, session: { scope } as never });
    expect(releaseCommand(c('prod:out'))('releases')).toBe('dpl prod:out deploy.releases');
    expect(releaseCommand(c('production', 'host:web-0'))('recover')).toBe('dpl production host:web-0 deploy.recover');
    expect(releaseCommand(c('hosts:web-0;web-1'))('unlock')).toBe("dpl 'hosts:web-0;web-1' deploy.unlock");
  });

  it('carry the -H/-R/-x flags and the task\'s host keys that chose the hosts, after any arguments', () => {
    const c = (hostFlags: string[], hostKeys: string[]) => ({ taskName: 'deploy.release', environment: undefined, session: { scope: ['prod'], hostFlags, hostKeys } as never });
    expect(releaseCommand(c(['-R', 'web', '-x', 'web-2'], []))('recover')).toBe('dpl -R web -x web-2 prod deploy.recover');
    expect(releaseCommand(c([], ['hosts=web-0;web-1']))('recover')).toBe("dpl prod 'deploy.recover:hosts=web-0;web-1'");
    expect(releaseCommand(c(['-H', 'a b'], ['roles=web', 'exclude_hosts=web-1']))('rollback', ':R,allow-schema-ahead=yes')).toBe(
      "dpl -H 'a b' prod deploy.rollback:R,allow-schema-ahead=yes,roles=web,exclude_hosts=web-1",
    );
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

  it('the CLI: under a task of the deployfile that chooses the environment and hosts (`prod:out`), a hint names that task', () => {
    const dir = project(`
import { deployfile, releaseTasks, task } from 'dpl-deploy';
export default deployfile({
  hosts: { 'web-0': { hostname: '127.0.0.1', port: 9 }, 'web-1': { hostname: '127.0.0.1', port: 9 }, 'db-0': { hostname: '127.0.0.1', port: 9 } },
  environments: { production: { roles: { web: ['web-0', 'web-1'], db: ['db-0'] } } },
  tasks: {
    prod: task({ run: 'local', args: { group: { default: 'all' } } }, async (c, a) => {
      c.session.useEnvironment('production');
      c.session.use({ hosts: a.group === 'out' ? ['web-1'] : ['web-0', 'web-1'] });
    }),
    deploy: releaseTasks({ roles: ['web'] }),
  },
});
`);
    const r = dpl(['prod:out', 'deploy.rollback:yesterday'], { cwd: dir });
    expect(r.stderr).toContain('`dpl prod:out deploy.releases`');
    expect(r.stderr).not.toContain('dpl production deploy.releases');
    expect(r.code).toBe(2);
    // -E chooses the environment before any task: the hint names it, then the task that narrowed the hosts.
    const e = dpl(['-E', 'production', 'prod:out', 'deploy.rollback:yesterday'], { cwd: dir });
    expect(e.stderr).toContain('`dpl production prod:out deploy.releases`');
  });
});
