// Turns a ProxyConfig into concrete things for one run: the LB hosts, and each
// group's servers with the deploy host each one is (through host variables).
import { UsageError } from '../core/errors.js';
import type { Host } from '../core/host.js';
import type { RunImpl as Run } from '../core/run.js';
import { backendsOf, LB_NAME, type ProxyConfig } from './config.js';

export interface Member {
  group: string;
  /** The server's name in the load balancer (HAProxy `server <name>`). */
  server: string;
  /** The inventory host deployed for this server; undefined when no host claims it. */
  host?: Host;
}

export interface Model {
  lbs: Host[];
  backends: string[];
  groups: string[];
  members: Member[];
}

export const DEFAULT_SERVER_VAR = 'lbServer';

export function serverOf(host: Host, serverVar = DEFAULT_SERVER_VAR): string {
  const v = host.vars[serverVar];
  return typeof v === 'string' && v ? v : host.name;
}

export async function resolveModel(run: Run, config: ProxyConfig): Promise<Model> {
  const lbSel = typeof config.lb === 'string' ? { hosts: [config.lb] } : Array.isArray(config.lb) ? { hosts: config.lb } : config.lb;
  const lbs = await run.resolveHosts(lbSel);
  if (lbs.length === 0) throw new UsageError('proxy: `lb` resolved to no host', { code: 'config.invalid', hint: 'check `lb` in the proxy config (names, roles)' });
  const serverVar = config.serverVar ?? DEFAULT_SERVER_VAR;
  let claimed: Map<string, Host> | undefined;
  const hostClaiming = async (server: string): Promise<Host | undefined> => {
    claimed ??= await serverClaims(run, serverVar);
    return claimed.get(server);
  };

  const members: Member[] = [];
  for (const [group, spec] of Object.entries(config.groups)) {
    if (Array.isArray(spec)) {
      for (const name of spec) {
        const known = run.knownHost(name);
        if (known) members.push({ group, server: serverOf(known, serverVar), host: known });
        else members.push({ group, server: name, host: await hostClaiming(name) });
      }
    } else {
      for (const h of await run.resolveHosts({ hosts: spec.hosts, roles: spec.roles })) {
        members.push({ group, server: serverOf(h, serverVar), host: h });
      }
    }
  }
  const seen = new Map<string, string>();
  for (const m of members) {
    if (!LB_NAME.test(m.server)) throw new UsageError(`proxy: server name ${JSON.stringify(m.server)} (group ${m.group}) is not a valid LB server name`, { code: 'config.invalid' });
    const other = seen.get(m.server);
    if (other !== undefined) {
      throw new UsageError(`proxy: server "${m.server}" is in group "${other}" and in group "${m.group}"`, {
        code: 'config.invalid',
        hint: 'each load balancer server belongs to exactly one group',
      });
    }
    seen.set(m.server, m.group);
  }
  return { lbs, backends: backendsOf(config), groups: Object.keys(config.groups), members };
}

/** Hosts of every role that name an LB server in their vars (for groups listed by server name). */
async function serverClaims(run: Run, serverVar: string): Promise<Map<string, Host>> {
  const out = new Map<string, Host>();
  for (const role of run.roleNames()) {
    for (const h of await run.resolveHosts({ roles: [role] })) {
      const v = h.vars[serverVar];
      if (typeof v === 'string' && v && !out.has(v)) out.set(v, h);
    }
  }
  return out;
}

export function membersOf(model: Model, groups: readonly string[]): Member[] {
  return model.members.filter((m) => groups.includes(m.group));
}
