// `status[:service]`: every host's service states and current release, as one
// table. The status command's exit code says up (0) or down; its first output
// line is shown as the detail. `strict=true` fails the task when anything is down.
import type { Context } from '../core/context-types.js';
import { CommandError, DplError, type HostFailure } from '../core/errors.js';
import { sh } from '../core/quote.js';
import { layoutOf, releaseFromLink } from '../deploy/layout.js';
import { deployPathOf, type NamedService, type OpsConfig } from './config.js';
import { firstLine, onEachTarget } from './targets.js';

export interface ServiceState {
  service: string;
  up: boolean;
  detail: string;
}

export interface HostStatus {
  host: string;
  reachable: boolean;
  error?: string;
  /** Release `current` points at (its directory name), or undefined. */
  release?: string;
  services: ServiceState[];
}

export async function collectStatus(c: Context, config: OpsConfig, services: NamedService[]): Promise<HostStatus[]> {
  const results = await onEachTarget(c, config.poolSize, (hc) => hostStatus(hc, config, services));
  return results.map((r) => (r.ok ? r.value : { host: r.host, reachable: false, error: firstLine(r.error.message), services: [] }));
}

async function hostStatus(c: Context, config: OpsConfig, services: NamedService[]): Promise<HostStatus> {
  const deployPath = deployPathOf(c, config);
  const [release, ...states] = await Promise.all([
    deployPath ? currentRelease(c, deployPath) : Promise.resolve(undefined),
    ...services.filter((s) => s.status).map((s) => serviceState(c, s)),
  ]);
  return { host: c.host.name, reachable: true, release: release as string | undefined, services: states as ServiceState[] };
}

async function currentRelease(c: Context, deployPath: string): Promise<string | undefined> {
  const r = await c.run(sh`readlink -- ${layoutOf(deployPath).current} || true`, { hide: true });
  return releaseFromLink(r.stdout);
}

async function serviceState(c: Context, s: NamedService): Promise<ServiceState> {
  try {
    const r = s.sudo ? await c.sudo(s.status!, { hide: true }) : await c.run(s.status!, { hide: true });
    return { service: s.name, up: true, detail: firstLine(r.stdout) || firstLine(r.stderr) };
  } catch (e) {
    if (!(e instanceof CommandError)) throw e;
    const detail = firstLine(e.stdout) || firstLine(e.stderr) || (e.signal ? `killed by ${e.signal}` : `exit ${e.status}`);
    return { service: s.name, up: false, detail };
  }
}

export function statusFailures(rows: HostStatus[]): HostFailure[] {
  const failures: HostFailure[] = [];
  for (const h of rows) {
    if (!h.reachable) failures.push({ host: h.host, error: new Error(`unreachable: ${h.error ?? ''}`) });
    const down = h.services.filter((s) => !s.up);
    if (down.length) failures.push({ host: h.host, error: new Error(down.map((s) => `${s.service} is down: ${s.detail}`).join('; ')) });
  }
  return failures;
}

/** `strict=true`: one error naming every host that is down or unreachable. */
export function strictCheck(rows: HostStatus[]): void {
  const failures = statusFailures(rows);
  if (!failures.length) return;
  const list = failures.map((f) => `${f.host}: ${f.error.message}`);
  throw new DplError(list.length === 1 ? list[0]! : `${list.length} hosts are not healthy:\n  ${list.join('\n  ')}`, {
    code: 'status.unhealthy',
    hint: 'the table above shows every host; `dpl monitor:<service>` follows its logs',
  });
}
