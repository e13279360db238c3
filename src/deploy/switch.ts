// The switch on one host: a uniquely named temp symlink moved over `current` with
// `mv -T` (rename(2), atomic), never `ln -sfn` (unlink + symlink: a window with no
// `current`), and its undo. The pipeline (src/pipeline/) runs them on every host.
import { randomHex } from '../core/random.js';
import type { Host } from '../core/host.js';
import { sh } from '../core/quote.js';
import { layoutOf } from './layout.js';

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
export function switchBackScript(item: Pick<SwitchItem, 'deployPath' | 'to' | 'fromLink'>): string {
  if (item.fromLink) return linkScript(item.deployPath, item.fromLink);
  const l = layoutOf(item.deployPath);
  return sh`if [ "$(readlink -- ${l.current})" = ${'releases/' + item.to} ]; then rm -f -- ${l.current}; fi`;
}
