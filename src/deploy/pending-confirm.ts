// Before a deploy to an environment marked `confirm: true` (and before a rollout that
// asks): show what will ship (deploy.pending's summary), then ask y/N on the terminal.
// Runs before the lock, so a "no" or a refusal leaves every host as it was.
//   --yes            the summary, then go (CI)
//   no terminal      refuse, exit 2 (never hang, never deploy unconfirmed)
//   answered no      exit 1, "nothing was changed"
import type { Context } from '../core/context-types.js';
import type { Host } from '../core/host.js';
import { DplError, UsageError } from '../core/errors.js';
import { internal } from '../core/internal.js';
import type { ResolvedRef } from '../git/describe.js';
import { deployPathOf, poolSizeOf, type ReleaseConfig } from './config.js';
import { layoutOf } from './layout.js';
import { pendingOf, reportPending } from './pending.js';
import type {} from './events.js'; // the EventMap entries this file emits

export interface ConfirmWhat {
  /** `a deploy to production`, `a rollout to prod`. */
  what: string;
  question: string;
  /** How to go on without a terminal. */
  hint: string;
}

/** The question a confirmed deploy asks. */
export function deployQuestion(c: Context, resolved: ResolvedRef, hosts: number): ConfirmWhat {
  const env = c.environment?.name;
  const ref = `${resolved.tag ?? resolved.ref} (${resolved.sha.slice(0, 12)})`;
  return {
    what: `a deploy${env ? ` to ${env}` : ''}`,
    question: `Deploy ${ref} to ${hosts} host${hosts === 1 ? '' : 's'}${env ? ` in ${env}` : ''}?`,
    hint: `pass --yes (-y) to confirm${env ? `, or drop confirm: true from environments.${env} in the deployfile` : ''}`,
  };
}

export async function confirmShipment(c: Context, config: ReleaseConfig, hosts: readonly Host[], resolved: ResolvedRef, w: ConfirmWhat): Promise<void> {
  const prompter = internal(c).runImpl.prompter;
  const yes = !!c.session.flags.yes;
  if (!yes && !prompter.interactive) {
    throw new UsageError(`refusing to start ${w.what} without confirmation: there is no terminal to ask on (nothing was changed)`, { code: 'confirm.declined', hint: w.hint });
  }
  const t = { hosts: [...hosts], layouts: new Map(hosts.map((h) => [h.name, layoutOf(deployPathOf(h, config, c))])), size: poolSizeOf(config, c) };
  const { pending } = await pendingOf(c, config, t, resolved);
  reportPending(c, pending);
  if (yes) return internal(c).emit('deploy.confirm', { skipped: 'yes' });
  if (!(await prompter.confirm(w.question))) throw new DplError(`${w.what} not confirmed; nothing was changed`, { code: 'confirm.declined' });
}
