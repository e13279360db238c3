// Where a sandbox lives and what `sandbox.json` says about it. The sandbox is a
// small fleet on loopback: web hosts behind HAProxy, a media host, a celery host,
// a training box, and the LB host; each host is a real sshd on its own address.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SshdFiles } from '../fleet/sshd.js';
import { tryFindDeployfile } from '../loader/find.js';

/** Slot s owns 127.0.30.(16s+1 … 16s+15) and ports that move with it (a wildcard-bound 2222 elsewhere cannot block every slot). */
export const SLOTS = 15;
export const HOSTS_PER_SLOT = 15;
export const MAX_WEB_HOSTS = HOSTS_PER_SLOT - 4;
export const DEFAULT_WEB_HOSTS = 4;
export const BACKEND = 'app';
/** The app's Procfile process that serves HTTP on the host's APP_ADDR:APP_PORT. */
export const WEB_PROCESS = 'airship';

export interface SlotAddressing {
  slot: number;
  sshPort: number;
  appPort: number;
  lbPort: number;
  /** nginx's frontend on the LB host (when nginx is installed). */
  nginxPort: number;
  /** Prometheus's web API on the LB host (when prometheus is installed). */
  prometheusPort: number;
  address(index: number): string;
}

export function slotAddressing(slot: number): SlotAddressing {
  return {
    slot,
    sshPort: 2222 + slot,
    appPort: 8000 + slot,
    lbPort: 8080 + slot,
    nginxPort: 8100 + slot,
    prometheusPort: 9090 + slot,
    address: (i) => `127.0.30.${slot * 16 + i + 1}`,
  };
}

export type HostKind = 'web' | 'media' | 'celery' | 'training' | 'lb';

export interface HostPlan {
  name: string;
  kind: HostKind;
  /** Processes of the app's Procfile this host runs (the deploy's restart hook restarts them). */
  services: string[];
}

/** The fleet for `--hosts N` web hosts, in address order. */
export function fleetPlan(webHosts: number): HostPlan[] {
  const web = Array.from({ length: webHosts }, (_, i): HostPlan => ({ name: `web-${i}`, kind: 'web', services: [WEB_PROCESS] }));
  return [
    ...web,
    { name: 'media-0', kind: 'media', services: [] },
    { name: 'celery-0', kind: 'celery', services: ['worker'] },
    // Training is one box that plays every role (G Adventures' habit).
    { name: 'training-0', kind: 'training', services: [WEB_PROCESS, 'worker'] },
    { name: 'lb-0', kind: 'lb', services: [] },
  ];
}

export interface SandboxHost {
  name: string;
  kind: HostKind;
  address: string;
  sshPort: number;
  /** The host's own tree and $HOME (sshd SetEnv). */
  root: string;
  deployPath: string;
  services: string[];
  /** Where the web app listens on this host, when it runs one. */
  appPort?: number;
  sshd: { dir: string; config: string; hostKey: string; pidFile: string; logFile: string };
}

/** An inventory in the shape a deployfile takes (`hosts`, `roles`), plus the LB groups. */
export interface SandboxInventory {
  hosts: Record<string, { hostname: string; port: number; user: string; vars: Record<string, unknown> }>;
  roles: Record<string, string[]>;
  groups: Record<string, string[]>;
}

export interface SandboxInfo {
  version: 1;
  /** The directory holding everything (may be a /tmp directory `.dpl/sandbox` links to). */
  dir: string;
  project: string;
  slot: number;
  slotLock: string;
  createdAt: string;
  /** Login user on every host (dpltest when run as root, else whoever ran `up`). */
  user: string;
  uid: number;
  gid: number;
  /** For a deployfile's `defaults`. */
  ssh: { sshConfig: string; knownHosts: string; identity: string };
  inventory: SandboxInventory;
  hosts: Record<string, SandboxHost>;
  haproxy: { dir: string; config: string; pidFile: string; socket: string; backend: string; /** The map `proxy.maintenance` writes (the login user's). */ maintenanceMap: string; frontend: { address: string; port: number }; url: string };
  /**
   * A second front door to the web hosts (upstream `app`), driven by dpl's nginx driver
   * over SSH from lb-0; absent when this machine has no nginx.
   */
  nginx?: { dir: string; include: string; bin: string; args: string[]; pidFile: string; maintenanceInclude: string; frontend: { address: string; port: number }; url: string };
  /** Prometheus scraping every app's /metrics (the bake's other judge); absent when this machine has no prometheus. */
  prometheus?: { dir: string; pidFile: string; url: string; scrapeMs: number; targets: string[] };
  git: { origin: string; work: string };
  /** One directory per database (production, training) that `manage.mjs migrate` writes. */
  db: string;
}

/** The project of `cwd`: where deployfile.ts is, else cwd itself. */
export function projectDir(cwd: string): string {
  const file = tryFindDeployfile(cwd);
  return file ? dirname(file) : cwd;
}

export function sandboxDir(project: string): string {
  return join(project, '.dpl', 'sandbox');
}

export function infoFile(dir: string): string {
  return join(dir, 'sandbox.json');
}

export function readInfo(dir: string): SandboxInfo | undefined {
  const file = infoFile(dir);
  if (!existsSync(file)) return undefined;
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as SandboxInfo;
    return info && info.version === 1 ? info : undefined;
  } catch {
    return undefined;
  }
}

/** A sandbox host's sshd files in the fleet's terms (src/fleet/sshd.ts). */
export function sshdFiles(h: SandboxHost): SshdFiles {
  return { name: h.name, address: h.address, port: h.sshPort, configFile: h.sshd.config, hostKeyFile: h.sshd.hostKey, pidFile: h.sshd.pidFile, logFile: h.sshd.logFile };
}
