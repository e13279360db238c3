// Which group is in rotation, as the load balancers report it, and the deploy
// hosts behind it. `prod:out` deploys to the group HAProxy has taken out; a
// half-moved rotation is an error, never a guess.
import { DplError, UsageError } from '../core/errors.js';
import type { Host } from '../core/host.js';
import type { Context } from '../core/context-types.js';
import type { ProxyConfig } from './config.js';
import type { Model } from './model.js';
import type { StatusRow } from './status.js';

export type GroupRotation = 'in' | 'out' | 'mixed';

export interface Rotation {
  model: Model;
  rows: StatusRow[];
  groups: Record<string, GroupRotation>;
}

/** `in`: every server of the group ready on every LB and backend; `out`: all drain or maint. */
export async function readRotation(c: Context, config: ProxyConfig): Promise<Rotation> {
  const { readStatus } = await import('./status.js');
  const { model, rows } = await readStatus(c, config);
  const groups: Record<string, GroupRotation> = {};
  for (const g of model.groups) {
    const states = rows.filter((r) => r.group === g).map((r) => r.state);
    groups[g] = states.every((s) => s === 'ready') ? 'in' : states.every((s) => s !== 'ready') ? 'out' : 'mixed';
  }
  return { model, rows, groups };
}

/** The deploy hosts of the group(s) out of rotation (`out`) or in rotation (`in`). */
export async function groupHosts(c: Context, config: ProxyConfig, which: 'in' | 'out'): Promise<Host[]> {
  const rot = await readRotation(c, config);
  const names = Object.keys(rot.groups);
  const chosen = names.filter((g) => rot.groups[g] === which);
  const mixed = names.filter((g) => rot.groups[g] === 'mixed');
  if (which === 'out' && chosen.length === 0) {
    if (mixed.length) throw mixedError(rot, 'no group is cleanly out of rotation');
    throw new DplError(`no group is out of rotation: ${names.join(', ')} are all in`, {
      code: 'proxy.rotation',
      hint: `take one group out first, e.g. \`dpl prod proxy.${names[names.length - 1]}\` (only that group stays live)`,
    });
  }
  if (which === 'in' && (mixed.length || chosen.length === 0)) {
    throw mixedError(rot, chosen.length ? `group ${mixed.join(', ')} is half in rotation` : 'no group is cleanly in rotation');
  }
  const hosts = new Map<string, Host>();
  for (const m of rot.model.members.filter((x) => chosen.includes(x.group))) {
    if (!m.host) {
      throw new UsageError(`proxy: server ${m.server} (group ${m.group}) has no deploy host`, {
        code: 'config.invalid',
        hint: `list inventory host names in \`groups\`, or give the host \`vars: { ${config.serverVar ?? 'lbServer'}: '${m.server}' }\``,
      });
    }
    hosts.set(m.host.name, m.host);
  }
  return [...hosts.values()];
}

export function mixedError(rot: Rotation, what: string): DplError {
  return new DplError(`${what}; the load balancer reports:\n${describeRotation(rot)}`, {
    code: 'proxy.rotation',
    hint: 'settle the rotation first: `proxy.all`, or `proxy.<group>` to keep only that group live (`proxy.status` shows details)',
  });
}

/** "  group1 (in): web0 ready, web1 ready" per group; per-LB detail when LBs or backends disagree. */
export function describeRotation(rot: Rotation): string {
  return Object.entries(rot.groups)
    .map(([g, r]) => {
      const servers = [...new Set(rot.rows.filter((x) => x.group === g).map((x) => x.server))];
      const parts = servers.map((s) => {
        const rows = rot.rows.filter((x) => x.group === g && x.server === s);
        const states = [...new Set(rows.map((x) => x.state))];
        return states.length === 1 ? `${s} ${states[0]}` : `${s} ${rows.map((x) => `${x.state}@${x.lb}/${x.backend}`).join(' ')}`;
      });
      return `  ${g} (${r}): ${parts.join(', ')}`;
    })
    .join('\n');
}
