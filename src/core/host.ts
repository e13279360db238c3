// Hosts as the deployfile and the CLI name them. `name` is what the user types and
// what output is prefixed with; `hostname`/`user`/`port` say where to connect
// (unset parts come from ~/.ssh/config, then defaults).

/** Per-host variables; a deployfile types its own with `deployfile<Vars>()`. */
export type HostVars = Record<string, unknown>;

export interface Host<V extends HostVars = HostVars> {
  /** Display name and lookup key, e.g. "web-0" or "deploy@10.0.0.5:2222". */
  readonly name: string;
  readonly hostname: string;
  readonly user?: string;
  readonly port?: number;
  /** Per-host settings from the inventory: LB server name, deploy path, ... */
  readonly vars: V;
  /** How commands run there (e.g. `bash -l -c` for rbenv/nvm PATHs); default: the login shell, non-login. */
  readonly shell?: string;
  /** Commands get a pseudo-terminal by default. */
  readonly pty?: boolean;
}

export interface HostSpecObject<V extends HostVars = HostVars> {
  name?: string;
  hostname?: string;
  user?: string;
  port?: number;
  vars?: V;
  shell?: string;
  pty?: boolean;
}

export type HostSpec = string | HostSpecObject;

/** Parse "user@host:port" (also "[v6::addr]:port"). */
export function parseHostString(text: string): { user?: string; hostname: string; port?: number } {
  let rest = text.trim();
  if (!rest) throw new TypeError('empty host string');
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at) || undefined;
    rest = rest.slice(at + 1);
  }
  let port: number | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (v6) {
    rest = v6[1]!;
    if (v6[2]) port = Number(v6[2]);
  } else {
    const m = /^([^:]+):(\d+)$/.exec(rest);
    if (m) {
      rest = m[1]!;
      port = Number(m[2]);
    } else if (rest.includes(':') && !isIPv6(rest)) {
      // A bare IPv6 address is a host; with a port it must be bracketed ([::1]:2222).
      throw new TypeError(`invalid host string ${JSON.stringify(text)}`);
    }
  }
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new TypeError(`invalid port in host string ${JSON.stringify(text)}`);
  }
  return { user, hostname: rest, port };
}

/** Build a Host from an inventory entry or a CLI string; `known` resolves names defined in the inventory. */
export function toHost(spec: HostSpec, known?: (name: string) => Host | undefined): Host {
  if (typeof spec === 'string') {
    const found = known?.(spec);
    if (found) return found;
    const p = parseHostString(spec);
    return { name: spec, hostname: p.hostname, user: p.user, port: p.port, vars: {} };
  }
  const name = spec.name ?? spec.hostname;
  if (!name) throw new TypeError('a host needs a name or a hostname');
  const base = spec.hostname ? parseHostString(spec.hostname) : { hostname: name };
  return {
    name,
    hostname: base.hostname,
    user: spec.user ?? ('user' in base ? base.user : undefined),
    port: spec.port ?? ('port' in base ? base.port : undefined),
    vars: { ...(spec.vars ?? {}) },
    ...(spec.shell !== undefined ? { shell: spec.shell } : {}),
    ...(spec.pty !== undefined ? { pty: spec.pty } : {}),
  };
}

/** Key for the connection pool: one connection per user@host:port. */
export function connectionKey(h: Pick<Host, 'hostname' | 'user' | 'port'>): string {
  return `${h.user ?? ''}@${h.hostname}:${h.port ?? ''}`;
}

/** A bare IPv6 address (URL's parser, a global: no import on the deployfile's path). */
function isIPv6(s: string): boolean {
  if (!/^[0-9a-f:.]+$/i.test(s)) return false;
  try {
    new URL(`http://[${s}]/`);
    return true;
  } catch {
    return false;
  }
}
