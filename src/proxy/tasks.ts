// `proxyTasks(config)`: the proxy.* namespace a deployfile mounts. Cheap to import:
// the rotation logic and drivers load inside the task bodies.
import { DplError } from '../core/errors.js';
import type { Context } from '../core/context-types.js';
import type { EventMap } from '../core/events.js';
import { proxyEvent } from './events.js';
import { namespace, task } from '../core/task.js';
import { validateConfig, type ProxyConfig } from './config.js';

export type { ProxyConfig } from './config.js';

const changeArgs = {
  force: { type: 'boolean', default: false, desc: 'skip the health checks of incoming servers' },
  timeout: { type: 'number', desc: 'seconds to wait for drained servers to finish their sessions' },
} as const;

type ChangeArgs = { force: boolean; timeout: number | undefined };

/** A dry run reaches no LB (the dry-run transport cannot open sockets): say what would happen instead. */
function dryRun(c: Context, what: EventMap['proxy.dry-run']): boolean {
  if (!c.session.flags.dryRun) return false;
  proxyEvent(c, 'proxy.dry-run', what);
  return true;
}

async function change(c: Context, config: ProxyConfig, incoming: string[], a: ChangeArgs) {
  if (dryRun(c, { action: 'rotate', groups: incoming })) return [];
  const { rotate } = await import('./apply.js');
  return rotate(c, config, {
    incoming,
    force: a.force,
    drainTimeoutMs: a.timeout === undefined ? undefined : a.timeout * 1000,
  });
}

export function proxyTasks(config: ProxyConfig) {
  validateConfig(config);
  const groups = Object.keys(config.groups);
  const perGroup = Object.fromEntries(
    groups.map((g) => [g, task({ desc: `only ${g} in rotation (others drain)`, run: 'local', args: changeArgs }, (c, a) => change(c, config, [g], a))]),
  );

  return namespace(
    {
      ...perGroup,
      only: task(
        {
          desc: 'only the named group in rotation: proxy.only:<group>',
          run: 'local',
          args: { group: { type: 'string', required: true, choices: groups, desc: 'group to keep live' }, ...changeArgs },
        },
        (c, a) => change(c, config, [a.group], a),
      ),
      flip: task({ desc: 'swap the groups: the one out comes in, the one in drains', run: 'local', args: changeArgs }, async (c, a) => {
        if (dryRun(c, { action: 'flip' })) return [];
        const { readRotation, mixedError } = await import('./groups.js');
        const rot = await readRotation(c, config);
        const out = groups.filter((g) => rot.groups[g] === 'out');
        const mixed = groups.filter((g) => rot.groups[g] === 'mixed');
        if (mixed.length) throw mixedError(rot, `cannot flip: group ${mixed.join(', ')} is half in rotation`);
        if (out.length === 0) {
          throw new DplError(`cannot flip: every group is in rotation (${groups.join(', ')})`, {
            code: 'proxy.rotation',
            hint: `use proxy.<group> to keep one group live, e.g. proxy.${groups[0]}`,
          });
        }
        if (out.length === groups.length) throw mixedError(rot, 'cannot flip: no group is in rotation');
        return change(c, config, out, a);
      }),
      all: task({ desc: 'every group in rotation', run: 'local', args: changeArgs }, (c, a) => change(c, config, groups, a)),
      status: task({ desc: 'each server: group, deploy host, state, health, sessions, 5xx; maintenance', run: 'local' }, async (c) => {
        if (dryRun(c, { action: 'status' })) return [];
        const { readStatus } = await import('./status.js');
        const { rows, maintenance } = await readStatus(c, config, true);
        proxyEvent(c, 'proxy.status', { rows, maintenance });
        return rows;
      }),
      maintenance: task(
        {
          desc: 'serve the maintenance page (503) instead of the app: proxy.maintenance:on|off',
          run: 'local',
          args: { mode: { type: 'string', required: true, choices: ['on', 'off'], desc: 'on: the page; off: traffic again' } },
        },
        async (c, a) => {
          if (dryRun(c, { action: 'maintenance', maintenance: a.mode === 'on' ? 'on' : 'off' })) return [];
          const { setMaintenance } = await import('./maintenance.js');
          return setMaintenance(c, config, a.mode === 'on');
        },
      ),
    },
    { desc: `load balancer rotation (${config.driver ?? 'haproxy'}): ${groups.join(', ')}`, default: 'status' },
  );
}
