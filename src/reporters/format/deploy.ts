// Words for the deploy's own events (src/deploy, src/pipeline): what would ship, the
// phases and steps (machine-only), the outcome, and the notifications of it (src/notify).
import type { DeployOutcome } from '../../deploy/announce.js';
import type { Formats } from './types.js';
import { silent } from './types.js';
import { renderPending } from '../pending.js';

type DeployEvent = 'deploy.pending' | 'deploy.resolved' | 'deploy.phase' | 'deploy.status' | 'deploy.step' | 'deploy.outcome' | 'notify.webhook';

export const deployFormats: Formats<DeployEvent> = {
  // Shown even with -q: it is what the task (or the question after it) is about.
  'deploy.pending': (e, f) => renderPending(f.c, e),
  // For --json, the run log and the report: the commands (command.start) and the outcome say it in words;
  // the ref's resolution is said by src/git/describe.ts when it resolves.
  'deploy.resolved': silent,
  'deploy.phase': silent,
  'deploy.status': silent,
  'deploy.step': silent,
  'deploy.outcome': (e, f) => f.line(undefined, e.phase === 'failure' ? 'error' : 'info', outcomeText(e)),
  'notify.webhook': (e, f) => {
    if (e.state === 'failed') return f.line(undefined, 'warn', `could not notify ${e.target} of deploy ${e.phase}: ${e.error} (the deploy is not affected)`);
    return f.line(undefined, 'debug', `${e.state === 'dry-run' ? 'dry run: would notify' : 'notified'} ${e.target} of deploy ${e.phase}`);
  },
};

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The outcome in one plain line (also the notification's `message` and the report's headline). */
export function outcomeText(e: DeployOutcome): string {
  const name = e.tag ?? e.ref;
  switch (e.phase) {
    case 'start': {
      if (e.flow === 'canary') return `rolling out ${name} as release ${e.release} in ${e.batches ?? '?'} batches`;
      const how = `deploying ${name} (${e.sha.slice(0, 12)}) as release ${e.release} to ${e.hosts.join(', ')}`;
      return e.flow === 'in-place' ? `${how} (in place)` : how;
    }
    case 'success':
      return `release ${e.release} is live on ${plural(e.hosts.length, 'host')}`;
    case 'failure':
      return `deploy of ${e.release} failed: ${(e.error ?? 'unknown error').split('\n')[0]}`;
    case 'rollback':
      if (!e.undo) return `rolled back to ${e.release}`;
      return e.undo.after ? `switched every host back from ${e.release} after ${e.undo.after} failed` : `rolled back every moved host from ${e.release}`;
  }
}
