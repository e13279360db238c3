// The switch: a uniquely named temp symlink moved over `current` with `mv -T`
// (rename(2), atomic), never `ln -sfn` (unlink + symlink: a window with no
// `current`). All hosts switch or none: when one fails, the others switch back.
// Deploy, rollback and re-deploy of an old release all come through here.
import { randomHex } from '../core/random.js';
import type { Context } from '../core/context-types.js';
import type { Host } from '../core/host.js';
import { HostsFailedError, type HostFailure } from '../core/errors.js';
import { sh } from '../core/quote.js';
import { layoutOf, releaseFromLink } from './layout.js';
import { errorText, forHosts, runScript } from './remote.js';

export interface SwitchItem {
  host: Host;
  deployPath: string;
  /** Release to make live. */
  to: string;
  /** What `current` pointed at before, as readlink printed it (restored on failure); undefined: nothing. */
  fromLink?: string;
}

/** Point `current` at `target` (a link text, e.g. `releases/X`): temp link + rename. */
function linkScript(deployPath: string, target: string, check: string[] = []): string {
  const l = layoutOf(deployPath);
  const tmp = `${l.root}/.dpl-current.${randomHex(6)}`;
  const notLink = `${l.current} is a directory, not a symlink (deployed in place with strategy pull?): move it away first`;
  return [
    'set -e',
    sh`if [ -d ${l.current} ] && [ ! -L ${l.current} ]; then echo ${notLink} >&2; exit 1; fi`,
    ...check,
    sh`ln -s -- ${target} ${tmp}`,
    sh`mv -T -- ${tmp} ${l.current} || { rm -f -- ${tmp}; exit 1; }`,
  ].join('\n');
}

export function switchScript(deployPath: string, release: string): string {
  const dir = layoutOf(deployPath).release(release);
  const missing = sh`if [ ! -d ${dir} ]; then echo ${`release ${release} is not on this host (${dir})`} >&2; exit 1; fi`;
  return linkScript(deployPath, `releases/${release}`, [missing]);
}

/** Undo a switch to `to`: `current` back to exactly what it was, or removed when there was none. */
function switchBackScript(item: SwitchItem): string {
  if (item.fromLink) return linkScript(item.deployPath, item.fromLink);
  const l = layoutOf(item.deployPath);
  return sh`if [ "$(readlink -- ${l.current})" = ${'releases/' + item.to} ]; then rm -f -- ${l.current}; fi`;
}

/**
 * Switch every item; all or nothing. Runs even after Ctrl-C (a half-switched set of
 * hosts is worse than finishing a rename per host). Throws listing each failed host
 * and whether the others were switched back.
 */
export async function switchAll(c: Context, items: SwitchItem[], size: number, what: string): Promise<void> {
  const todo = items.filter((i) => releaseFromLink(i.fromLink ?? '') !== i.to);
  const fan = await forHosts(
    c,
    todo.map((i) => i.host),
    size,
    async (h) => {
      const item = todo.find((i) => i.host === h)!;
      await runScript(c, h, `switch current → ${item.to}`, switchScript(item.deployPath, item.to));
    },
    { interruptible: false },
  );
  if (!fan.failed.length) return;
  const switched = todo.filter((i) => fan.succeeded.has(i.host.name));
  const back = await switchBack(c, switched, size);
  const failures: HostFailure[] = [
    ...fan.failed,
    ...back.map((f) => ({ host: f.host, error: new Error(`switched, and switching back failed: ${errorText(f.error)}; fix it by hand`) })),
  ];
  const note = switched.length
    ? back.length
      ? ' (some hosts could not be switched back: see above)'
      : ` (the ${switched.length} host${switched.length === 1 ? '' : 's'} that had switched ${switched.length === 1 ? 'was' : 'were'} switched back)`
    : '';
  throw new HostsFailedError(`${what}${note}`, failures);
}

/** Switch items back to their `from`; returns the failures (never throws). */
export async function switchBack(c: Context, items: SwitchItem[], size: number): Promise<HostFailure[]> {
  const fan = await forHosts(
    c,
    items.map((i) => i.host),
    size,
    async (h) => {
      const item = items.find((i) => i.host === h)!;
      await runScript(c, h, `switch current back → ${item.fromLink ?? '(none)'}`, switchBackScript(item));
    },
    { interruptible: false },
  );
  return fan.failed;
}
