// Fault tests for issue #16 (see docs in each *.test.ts): a private fleet of real sshd
// hosts (scratch hosts: SIGSTOPping one never disturbs other test files), a temp
// project whose deployfile targets that fleet, and host-side wrappers that fail,
// slow or freeze a step at an exact moment.
//
// Host-side wrappers: each fleet host's sshd puts `<root>/fault-bin` first in PATH
// (sshd_config SetEnv), where an `mv` wrapper passes everything to the real mv except
// the switch's rename (`mv -T … <deployPath>/current`) while the host is armed:
//   arm(host, 'before'): the rename does not happen; the wrapper freezes itself;
//   arm(host, 'after'):  the rename happens, then the wrapper freezes itself.
// Either way it writes `fault-bin/hit` first, so the test can then SIGSTOP the whole
// host (listener and every session): a partition at that exact moment.
//
// The projects' restart hook runs `fault-restart` (also in fault-bin) on the host. It
// reads control files in the deploy path: `.fault-restart-sleep` (seconds to sleep)
// and `.fault-fail-restart-of` (a release name: restarting that release fails with
// exit 4), and logs `<release> begin|done|failed` lines to `<deployPath>/restarts.log`.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync, chmodSync, chownSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startDpl, type CliRun } from '../../helpers/cli.js';
import { scratchHost, useBed, type BedInfo, type ScratchHost } from '../../support/bed.js';
import { reconfigureSshd } from '../../support/bed/certs.js';
import { descendants } from '../../../src/fleet/index.js';
import { MAIN } from '../cli-project.js';
import { appRepo, gitEnv, openTmp, type AppRepo } from '../fixtures.js';

export type { CliRun };

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Wait until `check()` holds (polls every 25 ms); the message says what never happened. */
export async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(25);
  }
}

function realMv(): string {
  for (const p of ['/usr/bin/mv', '/bin/mv']) if (existsSync(p)) return p;
  throw new Error('no mv in /usr/bin or /bin');
}

const MV_WRAPPER = (real: string) => `#!/bin/sh
# Fault wrapper (test/deploy/faults/support.ts): freezes the switch's rename when armed.
bin=$(dirname "$0")
last=; t=
for a in "$@"; do
  last=$a
  case $a in -T|--no-target-directory|-[!-]*T*) t=1 ;; esac
done
mode=
if [ -n "$t" ] && [ "\${last##*/}" = current ] && [ -f "$bin/arm" ]; then
  mode=$(cat "$bin/arm"); rm -f "$bin/arm"
fi
case $mode in
  before) echo "before $last" > "$bin/hit"; kill -STOP $$; exit 1 ;;
  after) ${real} "$@"; rc=$?; echo "after $last" > "$bin/hit"; kill -STOP $$; exit $rc ;;
esac
exec ${real} "$@"
`;

/** `fault-bin/fault-restart` on every fleet host: the restart hook's command (DPL_* set by dpl); see the header. */
const RESTART_SCRIPT = [
  '#!/bin/sh',
  'd="$DPL_DEPLOY_PATH"',
  'echo "$DPL_RELEASE begin" >> "$d/restarts.log"',
  'if [ "$(cat "$d/.fault-fail-restart-of" 2>/dev/null)" = "$DPL_RELEASE" ]; then',
  '  echo "$DPL_RELEASE failed" >> "$d/restarts.log"; echo "app did not start from $DPL_RELEASE" >&2; exit 4',
  'fi',
  'sleep "$(cat "$d/.fault-restart-sleep" 2>/dev/null || echo 0)"',
  'echo "$DPL_RELEASE done" >> "$d/restarts.log"',
  '',
].join('\n');

export interface FleetHost {
  name: string;
  scratch: ScratchHost;
  root: string;
  bin: string;
}

export interface Fleet {
  names: string[];
  hosts: Record<string, FleetHost>;
  /** ssh_config with an alias per fleet host (and fast keepalives: a frozen host is noticed in ~3 s). */
  configFile: string;
  /** Arm the switch wrapper on a host (see the header). */
  arm(host: string, mode: 'before' | 'after'): void;
  disarm(host: string): void;
  /** What the wrapper wrote when it froze the switch (undefined: not yet). */
  hit(host: string): string | undefined;
  /** SIGSTOP the host's sshd: listener and every session below it (a partition: TCP still accepts, nothing answers). */
  freeze(host: string): void;
  /** SIGCONT everything freeze() stopped, and whatever runs under the listener now. */
  thaw(host: string): void;
  frozen(host: string): boolean;
}

function sshdPidOf(h: ScratchHost): number | null {
  try {
    const pid = Number(readFileSync(h.pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const p of pids) {
    try {
      process.kill(p, sig);
    } catch {
      /* gone */
    }
  }
}

/**
 * A fleet of scratch hosts named `names` for one test file (started in beforeAll,
 * thawed and stopped in afterAll). `connectTimeout`: seconds (ssh_config ConnectTimeout).
 */
export function useFleet(names: string[], o: { connectTimeout?: number } = {}): Fleet {
  const hosts: Record<string, FleetHost> = {};
  const stopped = new Map<string, number[]>();
  let configFile = '';
  const bin = (h: string) => hosts[h]!.bin;
  const fleet: Fleet = {
    names,
    hosts,
    get configFile() {
      return configFile;
    },
    arm: (h, mode) => {
      rmSync(path.join(bin(h), 'hit'), { force: true });
      writeFileSync(path.join(bin(h), 'arm'), mode);
      chmodSync(path.join(bin(h), 'arm'), 0o666);
    },
    disarm: (h) => {
      rmSync(path.join(bin(h), 'arm'), { force: true });
      rmSync(path.join(bin(h), 'hit'), { force: true });
    },
    hit: (h) => {
      const f = path.join(bin(h), 'hit');
      return existsSync(f) ? readFileSync(f, 'utf8').trim() : undefined;
    },
    freeze: (h) => {
      const s = hosts[h]!.scratch;
      const pid = sshdPidOf(s);
      if (!pid) throw new Error(`${h}: sshd is not running`);
      const pids = [pid, ...descendants(pid)];
      signal(pids, 'SIGSTOP');
      stopped.set(h, [...(stopped.get(h) ?? []), ...pids]);
    },
    thaw: (h) => {
      const s = hosts[h]!.scratch;
      const pid = sshdPidOf(s);
      signal([...(stopped.get(h) ?? []), ...(pid ? [pid, ...descendants(pid)] : [])], 'SIGCONT');
      stopped.delete(h);
    },
    frozen: (h) => stopped.has(h),
  };

  beforeAll(async () => {
    const bed = useBed();
    const real = realMv();
    const dir = openTmp('dpl-fault-fleet-');
    const known: string[] = [];
    for (const name of names) {
      const scratch = await scratchHost(name);
      const root = scratch.root;
      const b = path.join(root, 'fault-bin');
      mkdirSync(b, { recursive: true });
      writeFileSync(path.join(b, 'mv'), MV_WRAPPER(real));
      chmodSync(path.join(b, 'mv'), 0o755);
      writeFileSync(path.join(b, 'fault-restart'), RESTART_SCRIPT);
      chmodSync(path.join(b, 'fault-restart'), 0o755);
      chmodSync(b, 0o777);
      if (bed.root) chownSync(b, bed.uid, bed.gid);
      // The first SetEnv line wins in sshd_config: HOME and DPL_BED_HOST as before, our PATH first.
      await reconfigureSshd(scratch, { lines: [`SetEnv HOME=${root} DPL_BED_HOST=${name} PATH=${b}:/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin`] });
      hosts[name] = { name, scratch, root, bin: b };
      known.push(readFileSync(scratch.knownHostsFile, 'utf8').trim());
    }
    const knownHostsFile = path.join(dir, 'known_hosts');
    writeFileSync(knownHostsFile, known.join('\n') + '\n');
    configFile = path.join(dir, 'ssh_config');
    const lines: string[] = [`# dpl fault-test fleet: ${names.join(', ')}`, ''];
    for (const n of names) lines.push(`Host ${n}`, `  HostName ${hosts[n]!.scratch.address}`, `  Port ${hosts[n]!.scratch.port}`, '');
    lines.push(
      'Host *',
      // A frozen host is given up on in ~3 s (keepalives), not the default 45 s.
      '  ServerAliveInterval 1',
      '  ServerAliveCountMax 2',
      `  ConnectTimeout ${o.connectTimeout ?? 3}`,
      `  UserKnownHostsFile ${knownHostsFile}`,
      `  User ${bed.user}`,
      `  IdentityFile ${bed.keys.plain}`,
      '  IdentitiesOnly yes',
      '  BatchMode yes',
      '',
    );
    writeFileSync(configFile, lines.join('\n'));
  }, 60_000);

  afterAll(async () => {
    for (const name of names) {
      if (!hosts[name]) continue;
      fleet.thaw(name);
      fleet.disarm(name);
    }
    for (const name of names) await hosts[name]?.scratch.stop();
  }, 60_000);

  return fleet;
}

export interface FaultProject {
  dir: string;
  paths: Record<string, string>;
  dpl(args: string[], env?: Record<string, string>): Promise<CliRun>;
  spawn(args: string[], env?: Record<string, string>): { child: ChildProcess; done: Promise<CliRun>; output: () => string };
  releases(host: string): string[];
  current(host: string): string | undefined;
  history(host: string): Array<Record<string, string>>;
  /** The last history record for `release` on `host`. */
  lastRecord(host: string, release: string): Record<string, string> | undefined;
  locked(host: string): boolean;
  journal(host: string): boolean;
  /** restarts.log lines (`<release> begin|done|failed`). */
  restarts(host: string): string[];
  /** Write a control file in the host's deploy path (read by fault-restart). */
  control(host: string, file: '.fault-restart-sleep' | '.fault-fail-restart-of', text: string | null): void;
  cleanup(): void;
}

/** A deployfile.ts on the fleet: hosts with their own deploy path, role web = all, releaseTasks(`config`) whose restart hook runs `fault-restart` on the host. */
export function faultProject(bed: BedInfo, fleet: Fleet, repo: AppRepo, name: string, config = ''): FaultProject {
  const dir = openTmp(`dpl-fault-${name}-`);
  symlinkSync(path.join(MAIN, 'node_modules'), path.join(dir, 'node_modules'));
  const paths = Object.fromEntries(fleet.names.map((h) => [h, path.join(fleet.hosts[h]!.root, `deploy-${name}`)]));
  for (const p of Object.values(paths)) {
    mkdirSync(p, { recursive: true });
    if (bed.root) chownSync(p, bed.uid, bed.gid);
  }
  const hosts = fleet.names.map((h) => `    ${JSON.stringify(h)}: { vars: { deployPath: ${JSON.stringify(paths[h])} } },`).join('\n');
  writeFileSync(
    path.join(dir, 'deployfile.ts'),
    `import { deployfile, releaseTasks } from 'dpl-deploy';

export default deployfile({
  hosts: {
${hosts}
  },
  roles: { web: ${JSON.stringify(fleet.names)} },
  tasks: {
    deploy: releaseTasks({
      repoDir: ${JSON.stringify(repo.work)},
      roles: ['web'],
      cleanup: false,
      hooks: { restart: async (c) => { await c.run('fault-restart'); } },
      ${config}
    }),
  },
});
`,
  );
  const start = (args: string[], env: Record<string, string> = {}) => startDpl(['-F', fleet.configFile, ...args], { cwd: dir, env: { ...gitEnv, ...env } });
  const rel = (h: string, ...p: string[]) => path.join(paths[h]!, ...p);
  const history = (h: string) =>
    existsSync(rel(h, 'history.jsonl'))
      ? readFileSync(rel(h, 'history.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, string>)
      : [];
  return {
    dir,
    paths,
    dpl: (args, env) => start(args, env).done,
    spawn: start,
    releases: (h) => (existsSync(rel(h, 'releases')) ? readdirSync(rel(h, 'releases')).sort() : []),
    current: (h) => (existsSync(rel(h, 'current')) || isLink(rel(h, 'current')) ? path.basename(readlinkSync(rel(h, 'current'))) : undefined),
    history,
    lastRecord: (h, release) => history(h).filter((r) => r.release === release).at(-1),
    locked: (h) => existsSync(rel(h, '.dpl-lock')),
    journal: (h) => existsSync(rel(h, '.dpl-journal.json')),
    restarts: (h) => (existsSync(rel(h, 'restarts.log')) ? readFileSync(rel(h, 'restarts.log'), 'utf8').trim().split('\n').filter(Boolean) : []),
    control: (h, file, text) => {
      if (text === null) rmSync(rel(h, file), { force: true });
      else writeFileSync(rel(h, file), text + '\n', { mode: 0o644 });
    },
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
      for (const p of Object.values(paths)) rmSync(p, { recursive: true, force: true });
    },
  };
}

function isLink(p: string): boolean {
  try {
    readlinkSync(p);
    return true;
  } catch {
    return false;
  }
}

/** The app repo (bare origin with v1.0.0, v1.1.0, v2.0.0-rc.1) and the projects of one test file, removed after it. */
export function faultFixtures(bed: BedInfo, fleet: Fleet) {
  let repo: AppRepo | undefined;
  const projects: FaultProject[] = [];
  beforeAll(() => {
    repo = appRepo({ uid: bed.uid, gid: bed.gid });
  });
  afterAll(() => {
    for (const p of projects) p.cleanup();
    repo?.cleanup();
  });
  return {
    project: (name: string, config = '') => {
      const p = faultProject(bed, fleet, repo!, name, config);
      projects.push(p);
      return p;
    },
  };
}

/** Lines of `out` that mention `host` (as a word). */
export function linesOf(out: string, host: string): string[] {
  const word = new RegExp(`(^|[^\\w-])${host.replace(/[-]/g, '\\-')}([^\\w-]|$)`);
  return out.split('\n').filter((l) => word.test(l));
}
