// The include file of `server` lines dpl owns inside an nginx `upstream` block.
// Each line carries its LB server name and dpl state in a trailing comment:
//   server 10.0.0.5:8080 down;  # dpl:web2 drain
// Lines dpl does not recognise (comments, other directives) are kept as they are.
import type { AdminState, ServerChange, ServerState } from './driver.js';

const SERVER_LINE = /^(\s*)server\s+([^\s;]+)([^;#]*);\s*(?:#\s*dpl:([A-Za-z0-9_.:-]+)(?:\s+(ready|drain|maint))?.*)?$/;

export interface UpstreamServer {
  line: number;
  name: string;
  address: string;
  /** Parameters other than `down` (weight=, max_fails=, ...). */
  params: string[];
  admin: AdminState;
}

export function parseUpstreamFile(text: string): UpstreamServer[] {
  const out: UpstreamServer[] = [];
  text.split('\n').forEach((l, line) => {
    const m = SERVER_LINE.exec(l);
    if (!m) return;
    const words = m[3]!.trim().split(/\s+/).filter(Boolean);
    const down = words.includes('down');
    const marked = m[5] as AdminState | undefined;
    const admin: AdminState = !down ? 'ready' : marked === 'drain' ? 'drain' : 'maint';
    out.push({ line, name: m[4] ?? m[2]!, address: m[2]!, params: words.filter((w) => w !== 'down'), admin });
  });
  return out;
}

/** Rewrite the lines of the changed servers; every other line stays byte for byte. */
export function applyToUpstreamFile(text: string, backend: string, changes: readonly ServerChange[]): string {
  const lines = text.split('\n');
  const servers = parseUpstreamFile(text);
  for (const c of changes.filter((c) => c.backend === backend)) {
    const s = servers.find((x) => x.name === c.server);
    if (!s) throw new Error(`no server ${c.server} in the include file of upstream ${backend}`);
    const indent = /^\s*/.exec(lines[s.line]!)![0];
    lines[s.line] = renderServer(indent, s.address, s.params, s.name, c.state);
  }
  return lines.join('\n');
}

export function renderServer(indent: string, address: string, params: readonly string[], name: string, state: AdminState): string {
  const words = [address, ...params, ...(state === 'ready' ? [] : ['down'])];
  return `${indent}server ${words.join(' ')};  # dpl:${name} ${state}`;
}

/** nginx OSS has no active checks and no per-server counters: health is ours to probe. */
export function toServerStates(backend: string, servers: readonly UpstreamServer[]): ServerState[] {
  return servers.map((s) => ({
    backend,
    server: s.name,
    admin: s.admin,
    health: 'unchecked',
    status: s.admin === 'ready' ? 'in upstream' : 'down',
    check: '',
    checkAddress: parseAddress(s.address),
  }));
}

export function parseAddress(address: string): { host: string; port: number } | undefined {
  if (address.startsWith('unix:')) return undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(address);
  if (v6) return { host: v6[1]!, port: Number(v6[2] ?? 80) };
  const [host, port] = address.split(':');
  return host ? { host, port: Number(port ?? 80) } : undefined;
}
