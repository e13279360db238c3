// Words for the deploy lock's events (src/deploy/lock-events.ts).
import { describeLockHolder, formatDuration, holderWords } from '../../deploy/lock-holder.js';
import type { Formats } from './types.js';
import { silent } from './types.js';

type LockEvent = 'lock.held' | 'lock.takeover' | 'lock.acquired' | 'lock.released' | 'lock.removed';

export const lockFormats: Formats<LockEvent> = {
  // Without waitMs the run stops here, and its error names the holder.
  'lock.held': (e, f) => (e.waitMs === undefined ? undefined : f.line(undefined, 'info', `waiting up to ${formatDuration(e.waitMs)} for the deploy lock on ${e.host}, held by ${holderWords(e.holder)}`)),
  'lock.takeover': (e, f) =>
    e.displaced !== undefined
      ? f.line(e.host, 'warn', `taking over a stale deploy lock moved another dpl's new lock aside and could not put it back: it is ${e.displaced}; that deploy no longer holds the lock`)
      : f.line(e.host, 'warn', `taking over the stale deploy lock on ${e.host}: held by ${holderWords({ ...e.holder, stale: undefined })}; ${e.holder?.stale ?? 'its dpl is gone'}`),
  'lock.acquired': silent,
  'lock.released': (e, f) => {
    const lines = [
      ...(e.foreign ?? []).map((h) => f.line(h, 'warn', 'the deploy lock is no longer ours (someone forced it and locked again?); left it alone')),
      ...(e.gone ?? []).map((h) => f.line(h, 'warn', 'our deploy lock was already gone (forced with deploy.unlock?)')),
      ...(e.failed ?? []).map((x) => f.line(x.host, 'warn', `could not release the deploy lock: ${x.error}; run \`${e.unlock ?? 'dpl deploy.unlock'}\` once you checked no deploy is running`)),
    ].filter((l): l is string => l !== undefined);
    return lines.length ? lines.join('\n') : undefined;
  },
  'lock.removed': (e, f) =>
    e.holder
      ? f.line(e.host, 'warn', `removed the deploy lock held by ${describeLockHolder(e.holder)}; if that deploy is still running it no longer holds the lock`)
      : f.line(e.host, 'info', 'no deploy lock'),
};
