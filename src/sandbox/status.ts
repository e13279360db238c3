// `dpl sandbox status`: per host its address, roles, live release and version,
// the processes svc runs there, and what HAProxy says about it.
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { SandboxInfo } from './layout.js';
import { livePid } from '../fleet/procs.js';
import { serverRows, type ServerRow } from './haproxy.js';

export interface HostStatus {
  name: string;
  address: string;
  roles: string[];
  sshd: number | null;
  release?: string;
  version?: string;
  services: Array<{ name: string; pid: number | null }>;
  lb?: ServerRow;
}

export interface SandboxStatus {
  dir: string;
  slot: number;
  url: string;
  haproxy: number | null;
  hosts: HostStatus[];
  /** Set when HAProxy's admin socket did not answer. */
  lbError?: string;
}

function versionAt(release: string): string | undefined {
  try {
    return /^opensky\.version\s*=\s*(\S+)/m.exec(readFileSync(join(release, 'config', 'version.ini'), 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

export async function sandboxStatus(info: SandboxInfo): Promise<SandboxStatus> {
  const haproxy = livePid(info.haproxy.pidFile);
  let rows: ServerRow[] = [];
  let lbError: string | undefined;
  if (haproxy !== null) {
    try {
      rows = await serverRows(info.haproxy.socket, info.haproxy.backend);
    } catch (e) {
      lbError = (e as Error).message;
    }
  }
  const roles = Object.entries(info.inventory.roles);
  const hosts = Object.values(info.hosts).map((h): HostStatus => {
    const current = join(h.deployPath, 'current');
    const release = existsSync(current) ? basename(readlinkSync(current)) : undefined;
    return {
      name: h.name,
      address: `${h.address}:${h.sshPort}`,
      roles: roles.filter(([, names]) => names.includes(h.name)).map(([r]) => r),
      sshd: livePid(h.sshd.pidFile),
      release,
      version: release ? versionAt(current) : undefined,
      services: h.services.map((s) => ({ name: s, pid: livePid(join(h.root, 'run', `${s}.pid`)) })),
      lb: rows.find((r) => r.server === h.name),
    };
  });
  return { dir: info.dir, slot: info.slot, url: info.haproxy.url, haproxy, hosts, lbError };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => '  ' + r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export function renderStatus(s: SandboxStatus, info: SandboxInfo): string {
  const rows = [['host', 'ssh', 'roles', 'live release', 'processes', 'load balancer']];
  for (const h of s.hosts) {
    rows.push([
      h.name,
      h.sshd === null ? `${h.address} (sshd DOWN)` : h.address,
      h.roles.join(',') || '-',
      h.release ? `${h.release}${h.version ? ` (${h.version})` : ''}` : '-',
      h.services.map((p) => `${p.name} ${p.pid ?? 'stopped'}`).join(', ') || '-',
      h.lb ? `${h.lb.status} ${h.lb.admin}` : '-',
    ]);
  }
  const groups = Object.entries(info.inventory.groups).map(([g, m]) => `${g}: ${m.join(', ')}`).join('; ');
  return [
    `sandbox (slot ${s.slot}) in ${s.dir}`,
    `  load balancer: ${s.url}  (HAProxy ${s.haproxy === null ? 'NOT RUNNING' : `pid ${s.haproxy}`}; groups ${groups})`,
    ...(s.lbError ? [`  HAProxy's admin socket did not answer: ${s.lbError}`] : []),
    table(rows),
    `  git: origin ${info.git.origin}`,
    `       working clone ${info.git.work} (hotfixes start here)`,
    `  ssh: ssh -F ${info.ssh.sshConfig} web-0`,
    '',
  ].join('\n');
}
