// A rollout project on the sshd bed, driven in-process the way the CLI drives it:
// a real Run with the ssh2 pool on the bed's ssh_config, a real Registry/Executor,
// CLI tokens through the real grammar. Hosts web-0..3 run the test app; HAProxy
// runs on this machine and is reached as the bed host lb-0 (its admin socket over
// SSH streamlocal forwarding, health probes over SSH direct-tcpip).
import { chmodSync } from 'node:fs';
import path from 'node:path';
import { deployfile } from '../../../src/core/deployfile.js';
import { task } from '../../../src/core/task.js';
import type { DplEvent } from '../../../src/core/events.js';
import type { CliFlags, Prompter } from '../../../src/core/context-types.js';
import { releaseTasks, type ReleaseConfig } from '../../../src/deploy/tasks.js';
import type { ProxyConfig } from '../../../src/proxy/config.js';
import { createSshPool } from '../../../src/ssh/pool.js';
import { rolloutRelease, type RolloutConfig } from '../../../src/rollout/index.js';
import type { BedInfo } from '../../support/bed.js';
import { startHaproxy, type Haproxy } from '../../proxy/support/haproxy.js';
import type { Backend } from '../../proxy/support/backends.js';
import { harness } from '../../helpers/in-process.js';
import { areaLines, wordsOf } from '../../helpers/words.js';

export const WEB = ['web-0', 'web-1', 'web-2', 'web-3'];

export interface Project {
  paths: Record<string, string>;
  release: ReleaseConfig;
  proxy: ProxyConfig;
  rollout: RolloutConfig;
  /** Run CLI tokens (`rollout:v1.1.0,plan=1;50%;100%`); resolves with the error, if any, and every event. */
  dpl(tokens: string[], o?: { flags?: Partial<CliFlags>; prompter?: Prompter; onEvent?: (e: DplEvent) => void; /** Ctrl-C: abort it. */ signal?: AbortSignal }): Promise<{ error?: Error; events: DplEvent[] }>;
}

/** `more`: more inventory hosts (e.g. a second LB host, its `haproxySocket` var set once its HAProxy runs). */
export function project(bed: BedInfo, name: string, repoWork: string, port: number, adminSock: string, restart: ReleaseConfig['hooks'], more: Record<string, { vars: Record<string, unknown> }> = {}): Project {
  const paths = Object.fromEntries(WEB.map((h) => [h, path.join(bed.hosts[h]!.root, `rollout-${name}`)]));
  const release: ReleaseConfig = { repoDir: repoWork, hooks: restart, cleanup: false, keep: 10 };
  const proxy: ProxyConfig = {
    lb: 'lb-0',
    backends: ['app'],
    groups: {},
    haproxy: { socket: adminSock, timeoutMs: 5000 },
    health: { path: '/health', intervalMs: 100, passes: 2, timeoutMs: 5000, requestTimeoutMs: 1000 },
    drainTimeoutMs: 5000,
    pollMs: 100,
  };
  const rollout: RolloutConfig = {
    health: { passes: 2, intervalMs: 100, timeoutMs: 1000, giveUpMs: 2000 },
    bake: { durationMs: 2000, sampleMs: 500, minRequests: 10, maxErrorRate: 0.05, relativeFactor: 2, failedSamples: 2 },
  };
  const hosts = Object.fromEntries([
    ...WEB.map((h) => [h, { vars: { deployPath: paths[h], appAddress: bed.hosts[h]!.address } }] as const),
    ['lb-0', { vars: {} }] as const,
    ...Object.entries(more),
  ]);
  const def = deployfile({
    hosts,
    roles: { web: WEB },
    tasks: {
      deploy: releaseTasks(release),
      // The same release with the LB and rollout config: it has app.restart (a rolling restart, no deploy).
      app: releaseTasks({ ...release, proxy, rollout }),
      // What the deploy task's `plan=` wiring will look like (see the report).
      rollout: task(
        { run: 'targets', roles: ['web'], args: { ref: {}, plan: { type: 'list' } } },
        (c, a) => rolloutRelease(c, release, { ref: a.ref, plan: a.plan, proxy, rollout }),
      ),
      // No load balancer: health checks only, on the app's port at the host var's address.
      'rollout-nolb': task({ run: 'targets', roles: ['web'], args: { ref: {}, plan: { type: 'list' } } }, (c, a) =>
        rolloutRelease(c, release, { ref: a.ref, plan: a.plan, rollout: { ...rollout, health: { ...rollout.health, port, hostVar: 'appAddress' } } }),
      ),
    },
    environments: { prod: {} },
  });
  const dpl: Project['dpl'] = async (tokens, o = {}) => {
    const t0 = Date.now();
    const h = harness({
      definition: def,
      root: repoWork,
      flags: { yes: true, ...o.flags },
      prompter: o.prompter,
      selection: { roles: ['web'] },
      signal: o.signal,
      onEvent: (e) => {
        if (process.env.DPL_ROLLOUT_TRACE && e.type === 'command.end') process.stderr.write(`${((Date.now() - t0) / 1000).toFixed(2)} cmd [${e.host}] ${e.command} ${e.durationMs.toFixed(0)} ms\n`);
        if (process.env.DPL_ROLLOUT_TRACE && e.type !== 'command.end') for (const line of wordsOf([e])) process.stderr.write(`${((Date.now() - t0) / 1000).toFixed(2)} ${line}\n`);
        o.onEvent?.(e);
      },
      createPool: async (r) =>
        // No signal, as the CLI's pool (run.ts): after a Ctrl-C the locks must still be released.
        createSshPool({ configFile: bed.configFile, knownHostsFile: bed.knownHostsFile, agentSocket: null, events: r.events, prompter: r.prompter }),
    });
    const error = await h.dpl(tokens, { close: true });
    if (process.env.DPL_ROLLOUT_TRACE && error) process.stderr.write(`ERROR: ${error.message}\nHINT: ${(error as { hint?: string }).hint}\n`);
    return { error, events: h.events };
  };
  return { paths, release, proxy, rollout, dpl };
}

/** HAProxy with one server per web host (server name = host name), its admin socket usable by the bed's login user. */
export async function haproxyFor(bed: BedInfo, port: number): Promise<Haproxy> {
  // startHaproxy only reads `name` and `address` of its backends.
  const nodes = WEB.map((h) => ({ name: h, address: `${bed.hosts[h]!.address}:${port}` }) as unknown as Backend);
  const hx = await startHaproxy(nodes, { socketUser: bed.root ? bed.user : undefined });
  chmodSync(hx.dir, 0o755);
  return hx;
}

/** What an area said (typed events rendered through the reporters' formats, and 'log' lines of that topic). */
export function logs(events: DplEvent[], area = 'rollout'): string[] {
  return areaLines(events, area);
}

export function ofType<K extends DplEvent['type']>(events: DplEvent[], type: K): Extract<DplEvent, { type: K }>[] {
  return events.filter((e): e is Extract<DplEvent, { type: K }> => e.type === type);
}
