// Named hosts and roles from the deployfile. A role is looked up in the current
// environment first, then in the deployfile's `roles`; generated roles are
// resolved once per run and environment, and cached on the inventory instance
// (which the Run owns), so a change of environment resolves them again.
import { UsageError } from './errors.js';
import { toHost, type Host, type HostSpec } from './host.js';
import type { AnyDeployfile, RoleSource } from './deployfile.js';
import type { Selection, Session } from './context-types.js';

export class Inventory {
  private readonly hosts = new Map<string, Host>();
  private readonly roles: Record<string, RoleSource>;
  private readonly environments: NonNullable<AnyDeployfile['environments']>;
  private readonly resolvedRoles = new Map<string, Promise<Host[]>>();

  constructor(def: Pick<AnyDeployfile, 'hosts' | 'roles' | 'environments'>) {
    for (const [name, spec] of Object.entries(def.hosts ?? {})) {
      const host = typeof spec === 'string' ? toHost({ name, hostname: spec }) : toHost({ ...spec, name, hostname: spec.hostname ?? name });
      this.hosts.set(name, host);
    }
    this.roles = def.roles ?? {};
    this.environments = def.environments ?? {};
  }

  private source(name: string, environment: string | undefined): RoleSource | undefined {
    return (environment !== undefined ? this.environments[environment]?.roles?.[name] : undefined) ?? this.roles[name];
  }

  host(name: string): Host | undefined {
    return this.hosts.get(name);
  }

  toHost(spec: HostSpec): Host {
    try {
      return toHost(normalise(spec), (n) => this.hosts.get(n));
    } catch (e) {
      throw new UsageError(`bad host ${JSON.stringify(spec)}: ${(e as Error).message}`, { code: 'usage.hosts' });
    }
  }

  roleNames(environment?: string): string[] {
    return [...new Set([...Object.keys((environment !== undefined && this.environments[environment]?.roles) || {}), ...Object.keys(this.roles)])];
  }

  role(name: string, run: Session, environment?: string): Promise<Host[]> {
    const source = this.source(name, environment);
    if (source === undefined) {
      const known = this.roleNames(environment);
      throw new UsageError(`unknown role "${name}"` + (known.length ? `; roles: ${known.join(', ')}` : '; the deployfile defines no roles'), { code: 'usage.hosts' });
    }
    const key = `${environment ?? ''}\0${name}`;
    let cached = this.resolvedRoles.get(key);
    if (!cached) {
      cached = (async () => {
        const specs = typeof source === 'function' ? await source(run) : source;
        if (!Array.isArray(specs)) throw new UsageError(`role "${name}" must give a list of hosts`, { code: 'usage.hosts' });
        return specs.map((s) => this.toHost(s));
      })();
      this.resolvedRoles.set(key, cached);
    }
    return cached;
  }

  /** Hosts of a selection: hosts first, then each role's, without duplicates, minus exclusions. */
  async resolve(selection: Selection, run: Session, environment?: string): Promise<Host[]> {
    const out = new Map<string, Host>();
    for (const spec of asList(selection.hosts)) {
      const h = this.toHost(spec);
      if (!out.has(h.name)) out.set(h.name, h);
    }
    for (const role of asList(selection.roles)) {
      for (const h of await this.role(role, run, environment)) if (!out.has(h.name)) out.set(h.name, h);
    }
    const excluded = new Set(asList(selection.exclude).map((x) => x.trim()));
    return [...out.values()].filter((h) => !excluded.has(h.name) && !excluded.has(h.hostname));
  }
}

// Fabric 1 strips every host string before deduping (task_utils.merge): ' web-0 ' in a role
// is web-0, and must not run twice or escape an exclusion.
function normalise(spec: HostSpec): HostSpec {
  if (typeof spec === 'string') return spec.trim();
  if (!spec || typeof spec !== 'object') return spec;
  return { ...spec, name: spec.name?.trim(), hostname: spec.hostname?.trim() };
}

/** A lone string is a one-item list (Fabric's merge coerces `hosts='web-0'` the same way). */
function asList<T>(value: readonly T[] | T | undefined): readonly T[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : (value as readonly T[]);
}
