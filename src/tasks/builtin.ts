// Tasks every deployfile has: `host:web-0` and `role:web` pick hosts for the
// tasks after them on the command line (like Fabric's -H/-R, but chainable), and
// one task per declared environment (`dpl production deploy`).
import type { AnyDeployfile } from '../core/deployfile.js';
import { task, type CollectionEntries } from '../core/task.js';

/** `dpl <environment>`: its roles, and its hosts for the tasks that follow (as -E does). */
export function environmentTasks(def: Pick<AnyDeployfile, 'environments'>): CollectionEntries {
  return Object.fromEntries(
    Object.entries(def.environments ?? {}).map(([name, env]) => [
      name,
      task({ desc: env.desc ?? `Use the ${name} environment for the tasks that follow`, run: 'local' }, (c) => c.session.useEnvironment(name)),
    ]),
  );
}

export const builtinTasks: CollectionEntries = {
  host: task(
    {
      desc: 'Run the following tasks on these hosts (host:web-0 or host:web-0;web-1)',
      run: 'local',
      args: { names: { type: 'list', required: true, desc: 'host names, ";"-separated' } },
    },
    (c, { names }) => {
      c.session.use({ hosts: names, roles: [] });
    },
  ),
  role: task(
    {
      desc: 'Run the following tasks on the hosts of these roles (role:web or role:web;db)',
      run: 'local',
      args: { names: { type: 'list', required: true, desc: 'role names, ";"-separated' } },
    },
    async (c, { names }) => {
      await c.session.resolveHosts({ roles: names }); // unknown role fails here, not later
      c.session.use({ roles: names, hosts: [] });
    },
  ),
};
