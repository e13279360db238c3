// What SSH test files use: the running bed (from global-setup.ts), Host objects
// for it, a pool factory wired to the bed, and the real fault helpers.
//
//   import { useBed, bedHost, bedPool } from '../support/bed.js';
//   const bed = useBed();                       // skips the file when there is no bed
//   const pool = bedPool();                     // createSshPool on bed.configFile
//   const t = await pool.get(bedHost('web-0'));
//   await t.exec('uname -n');
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { describe, inject, it } from 'vitest';
import { EventBus, type DplEvent } from '../../src/core/events.js';
import type { Prompter } from '../../src/core/context-types.js';
import type { Host } from '../../src/core/host.js';
import { createSshPool, type SshPoolOptions } from '../../src/ssh/pool.js';
import type { TransportPool } from '../../src/transport/types.js';
import { isAlive, ourConnectionsTo as ourConnections } from '../../src/fleet/index.js';
import * as faults from './bed/faults.js';
import type { ScratchHost } from './bed/faults.js';
import type { BedHost, BedInfo } from './bed/types.js';

export type { BedHost, BedInfo, ScratchHost };

/** The bed, or null with the reason when sshd could not be started. */
export function bedOrNull(): { bed: BedInfo | null; reason: string | null } {
  const v = inject('sshBed');
  if (!v) return { bed: null, reason: 'no sshd test bed (run through vitest with test/support/global-setup.ts)' };
  if ('unavailable' in v) return { bed: null, reason: v.unavailable };
  return { bed: v, reason: null };
}

/** The running bed; throws with the reason when there is none (use `describeBed` to skip instead). */
export function useBed(): BedInfo {
  const { bed, reason } = bedOrNull();
  if (!bed) throw new Error(reason ?? 'no bed');
  return bed;
}

/** `describe` that hands the bed to its body, or shows one skipped test with the reason when there is no bed. */
export function describeBed(name: string, fn: (bed: BedInfo) => void): void {
  const { bed, reason } = bedOrNull();
  if (bed) describe(name, () => fn(bed));
  else describe(name, () => it.skip(`skipped: ${reason}`, () => undefined));
}

/** A fresh temp directory inside the bed (removed with the bed at teardown). */
export function bedTemp(prefix = 'tmp-'): string {
  return mkdtempSync(join(useBed().dir, 'tmp', prefix));
}

/** A Host as the CLI makes it from `-H name`: resolved through the bed's ssh_config alias. */
export function bedHost(name: string): Host {
  return { name, hostname: name, vars: {} };
}

/** A Host by address/port/user (not an alias): the bed's `Host *` block still gives the key. */
export function addressHost(h: Pick<BedHost, 'name' | 'address' | 'port'>, user?: string): Host {
  return { name: h.name, hostname: h.address, port: h.port, user: user ?? useBed().user, vars: {} };
}

/**
 * A Prompter that answers from a map and records each question it had to ask (tests
 * assert "asked once"). Like the terminal's, it asks each key once per run and
 * registers answers for redaction.
 */
export class ScriptedPrompter implements Prompter {
  readonly interactive = true;
  readonly asked: Array<{ key: string; question: string }> = [];
  private readonly given = new Map<string, Promise<string>>();
  events?: EventBus;
  constructor(private readonly answers: Record<string, string> = {}) {}
  secret(key: string, question: string): Promise<string> {
    let p = this.given.get(key);
    if (!p) {
      this.asked.push({ key, question });
      const hit = Object.entries(this.answers).find(([k]) => key === k || key.startsWith(k));
      p = hit ? Promise.resolve(hit[1]) : Promise.reject(new Error(`unexpected prompt ${key}: ${question}`));
      if (hit) this.events?.redact(hit[1]);
      this.given.set(key, p);
    }
    return p;
  }
  async confirm(): Promise<boolean> {
    return false;
  }
}

export interface BedPool {
  pool: TransportPool;
  events: EventBus;
  /** Every event emitted (after redaction). */
  seen: DplEvent[];
  prompter: ScriptedPrompter;
}

/** createSshPool on the bed's ssh_config, no agent from the environment; `over` wins. */
export function bedPool(over: Partial<SshPoolOptions> & { answers?: Record<string, string> } = {}): BedPool {
  const bed = useBed();
  const events = over.events ?? new EventBus();
  const seen: DplEvent[] = [];
  events.on((e) => seen.push(e));
  const prompter = (over.prompter as ScriptedPrompter | undefined) ?? new ScriptedPrompter(over.answers);
  prompter.events ??= events;
  const pool = createSshPool({
    configFile: bed.configFile,
    agentSocket: null,
    ...over,
    events,
    prompter,
  });
  return { pool, events, seen, prompter };
}

/** Kill a bed host's sshd (SIGKILL, open connections drop). Shared hosts are used by other files: prefer scratchHost(). */
export const killHost = (name: string): Promise<boolean> => faults.killHost(useBed(), name);
/** Start a killed bed host again (same port and key). */
export const restartHost = (name: string): Promise<void> => faults.restartHost(useBed(), name);

/** A private sshd (own address, port, key, known_hosts, ssh_config with alias `name`). */
export const scratchHost = (name = 'scratch'): Promise<ScratchHost> => faults.startScratchHost(useBed(), name);

/** ESTABLISHED TCP connections from this test process to address:port (exact on shared hosts). */
export const ourConnectionsTo = (address: string, port: number): number => ourConnections(address, port);

/** Wait until `check()` is true (polls every 20 ms). */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** True while a pid runs on this machine (bed hosts share it, so a remote pid is checkable here); zombies count as gone. */
export const pidAlive = (pid: number): boolean => isAlive(pid);

/** A private ssh-agent holding the given private keys. */
export const startAgent = (keys: string[]): Promise<{ socket: string; pid: number; stop(): Promise<void> }> =>
  faults.startAgent(keys);
