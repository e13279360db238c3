// `dpl sandbox status`: per host its address, roles, live release and version,
// the processes svc runs there, and what HAProxy says about it.
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { SandboxInfo } from './layout.js';
import { livePid } from '../fleet/procs.js';
import { serverRows, type ServerRow } from './haproxy.js';
import { targetsUp } from './prometheus.js';

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
  /** nginx's pid (null: not running); absent when the sandbox has no nginx. */
  nginx?: number | null;
  /** Prometheus's pid and how many apps it scrapes up (or why it did not answer); absent when the sandbox has none. */
  prometheus?: { pid: number | null; up: number | string };
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
  const nginx = info.nginx ? { nginx: livePid(info.nginx.pidFile) } : {};
  let prometheus: SandboxStatus['prometheus'];
  if (info.prometheus) {
    const pid = livePid(info.prometheus.pidFile);
    prometheus = { pid, up: pid === null ? 0 : await targetsUp(info) };
  }
  return { dir: info.dir, slot: info.slot, url: info.haproxy.url, haproxy, hosts, lbError, ...nginx, ...(prometheus ? { prometheus } : {}) };
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
    info.nginx
      ? `  nginx: ${info.nginx.url}  (${s.nginx ? `pid ${s.nginx}` : 'NOT RUNNING'}; the same web hosts, upstream app)`
      : '  nginx: not installed, so the nginx front door is unavailable (apt-get install nginx-light, then a new sandbox)',
    info.prometheus
      ? `  Prometheus judge: ${info.prometheus.url}  (${s.prometheus?.pid ? `pid ${s.prometheus.pid}; ${typeof s.prometheus.up === 'number' ? `${s.prometheus.up} of ${info.prometheus.targets.length} apps' /metrics scraped up` : `did not answer: ${s.prometheus.up}`}` : 'NOT RUNNING'})`
      : '  Prometheus judge: unavailable, this machine has no prometheus (apt-get install prometheus, then a new sandbox)',
    table(rows),
    `  git: origin ${info.git.origin}`,
    `       working clone ${info.git.work} (hotfixes start here)`,
    `  ssh: ssh -F ${info.ssh.sshConfig} web-0`,
    '',
  ].join('\n');
}
