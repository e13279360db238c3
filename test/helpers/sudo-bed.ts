// What the sudo tests need beyond the shared bed: a real Context (the API tasks
// call `c.sudo` on) wired to a bed pool, and a sudo user with a one-letter
// password on a private sshd, since the shared bed user's password must not change.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HostContext } from '../../src/core/context.js';
import { RunImpl } from '../../src/core/run.js';
import { deployfile } from '../../src/core/deployfile.js';
import type { Host } from '../../src/core/host.js';
import type { Context } from '../../src/core/context-types.js';
import type { SshPoolOptions } from '../../src/ssh/pool.js';
import { ensureUser, setPassword, writeSudoers } from '../../src/fleet/users.js';
import { bedPool, scratchHost, type BedPool, type ScratchHost } from '../support/bed.js';
import { flags } from './local-run.js';

/** A Context on `host` over a bed pool; `answers` feed the prompter (key `sudo.password`). */
export function bedContext(
  host: Host,
  answers: Record<string, string> = {},
  over: Partial<SshPoolOptions> = {},
): BedPool & { c: Context; run: RunImpl } {
  const bp = bedPool({ ...over, answers });
  const run = new RunImpl({
    flags: flags(),
    definition: deployfile({ tasks: {} }),
    root: process.cwd(),
    events: bp.events,
    prompter: bp.prompter,
    createPool: async () => bp.pool,
  });
  const noExecute = async (): Promise<never> => {
    throw new Error('execute() is not used by these tests');
  };
  return { ...bp, run, c: new HostContext(host, run, { name: 'test', root: {}, targets: [host], execute: noExecute }) };
}

/** Own user for the short-password tests; `insults` on, so sudo never says "Sorry, try again.". */
export const SHORT_USER = { name: 'dplsudoa', password: 'a' };
const SHORT_SUDOERS = '/etc/sudoers.d/dpl-test-sudo-short';

/**
 * Creates SHORT_USER and its sudoers rule (idempotent: concurrent test runs share
 * them, like the bed's users). Needs root and sudo; returns why not otherwise.
 */
export async function ensureShortPasswordUser(): Promise<string | null> {
  if (process.getuid?.() !== 0) return 'needs root to create a sudo user';
  if (!existsSync('/usr/bin/sudo')) return 'sudo is not installed';
  const { name, password } = SHORT_USER;
  ensureUser(name);
  await setPassword(name, password);
  writeSudoers(
    SHORT_SUDOERS,
    `# Written by dpl's sudo tests (test/helpers/sudo-bed.ts). Safe to delete when no test runs.\n` +
      `Defaults:${name} !requiretty, lecture=never, timestamp_timeout=0, passwd_tries=3, insults\n` +
      `${name} ALL=(ALL:ALL) ALL\n`,
  );
  return null;
}


/** A private sshd that also lets `user` log in (the bed's key is authorized for every user). */
export async function scratchHostAllowing(name: string, user: string): Promise<ScratchHost> {
  const s = await scratchHost(name);
  const sshdConfig = join(s.sshdDir, 'sshd_config');
  writeFileSync(sshdConfig, readFileSync(sshdConfig, 'utf8').replace(/^AllowUsers (.*)$/m, `AllowUsers $1 ${user}`));
  await s.kill();
  await s.restart();
  return s;
}

/** A Host for `user` on a scratch host, by address (its known_hosts pins the key). */
export function scratchAs(s: ScratchHost, user: string): Host {
  return { name: s.name, hostname: s.address, port: s.port, user, vars: {} };
}
