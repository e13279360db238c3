// The shell side of the deploy lock. The lock is the directory `<deployPath>/.dpl-lock`
// holding `token` and `info.json`. It is built complete as `.dpl-lock.tmp.<token>`
// and renamed into place (`mv -T`: rename(2), which fails onto a non-empty
// directory), so a lock never exists without its owner, whatever fails half-way
// (a full disk, a dropped session). Files are written as host-write.ts does, so a
// failure reports the host's error ("No space left on device"). Any failure removes
// the temp directory: nothing is left behind.
import { raw, sh } from '../core/quote.js';
import type { Layout } from './layout.js';
import { stateSnippet } from './history.js';
import type { LockInfo } from './lock-holder.js';
import { writeLinesSnippet } from './host-write.js';

/** Exit status of the acquire script when one of its steps failed (and cleaned up). */
export const STEP_FAILED = 3;

const AGE = (lock: string) =>
  sh`now=$(date +%s); since=$(stat -c %Y -- ${lock} 2>/dev/null || stat -f %m -- ${lock} 2>/dev/null || echo "$now")`;

/** Shell lines that report the lock's age, owner (and token, for a takeover) between @@DPL markers. */
function holderLines(l: Layout, withToken = true): string[] {
  return [
    `  ${AGE(l.lock)}`,
    `  echo "@@DPL held $((now - since))"`,
    ...(withToken ? [sh`  printf '@@DPL token %s\\n' "$(cat -- ${l.lock + '/token'} 2>/dev/null)"`] : []),
    `  echo '@@DPL info'`,
    sh`  cat -- ${l.lock + '/info.json'} 2>/dev/null || true; echo`,
    `  echo '@@DPL end'`,
  ];
}

/**
 * Take the lock on one host and print its state (`@@DPL locked` + stateSnippet), or
 * print the holder (`@@DPL held`, exit 0). `replace`: the token of a stale lock to
 * remove first (`--force`); another lock found in its place is put back untouched.
 */
export function acquireScript(l: Layout, info: LockInfo, replace?: string): string {
  const { token, ...shown } = info;
  const tmp = `${l.lock}.tmp.${token}`;
  const aside = `${l.lock}.stale.${token}`;
  const step = (what: string) => raw(sh`fail ${what}`);
  return [
    sh`fail() { echo "@@DPL failed $1"; rm -rf -- ${tmp} || echo '@@DPL leftover'; exit ${STEP_FAILED}; }`,
    sh`[ -d ${l.root} ] || mkdir -p -- ${l.root} || ${step(`creating ${l.root}`)}`,
    // Debris of attempts or releases whose session died: none takes an hour. `find` runs only when there is some.
    sh`for d in ${l.root}/.dpl-lock.*; do if [ -e "$d" ]; then find ${l.root} -maxdepth 1 -name '.dpl-lock.*' -mmin +60 -exec rm -rf -- {} + 2>/dev/null || true; fi; break; done`,
    ...(replace
      ? [
          // Move first, then check what was moved: the check and the move are one step that way.
          sh`if [ -d ${l.lock} ] && mv -T -- ${l.lock} ${aside} 2>/dev/null; then`,
          sh`  if [ "$(cat -- ${aside + '/token'} 2>/dev/null)" = ${replace} ]; then rm -rf -- ${aside}; echo '@@DPL replaced'`,
          sh`  else mv -T -- ${aside} ${l.lock} 2>/dev/null || echo '@@DPL displaced'; fi`,
          'fi',
        ]
      : []),
    sh`if [ -d ${l.lock} ]; then`,
    ...holderLines(l),
    '  exit 0',
    'fi',
    sh`mkdir -- ${tmp} || ${step(`creating ${tmp}`)}`,
    sh`${raw(writeLinesSnippet(tmp + '/token', [token]))} || ${step(`writing ${tmp}/token`)}`,
    sh`${raw(writeLinesSnippet(tmp + '/info.json', [JSON.stringify(shown)]))} || ${step(`writing ${tmp}/info.json`)}`,
    sh`if ! err=$(mv -T -- ${tmp} ${l.lock} 2>&1); then`,
    // Lost the race between the check above and the rename: someone else holds it now.
    sh`  if [ -d ${l.lock} ]; then rm -rf -- ${tmp}`,
    ...holderLines(l).map((s) => `  ${s}`),
    '    exit 0',
    '  fi',
    `  echo "$err" >&2; ${step(`renaming ${tmp} to ${l.lock}`)}`,
    'fi',
    `echo '@@DPL locked'`,
    stateSnippet(l),
  ].join('\n');
}

/** Release our own lock (token checked): `released`, `foreign` (someone else's now) or `gone`. */
export function releaseScript(l: Layout, token: string): string {
  const gone = `${l.lock}.released.${token}`;
  return [
    // The shell's read, not `cat`: one process less in every deploy's last step.
    sh`t=; if [ -f ${l.lock + '/token'} ]; then IFS= read -r t < ${l.lock + '/token'} || true; fi`,
    sh`if [ "$t" = ${token} ]; then`,
    sh`  mv -T -- ${l.lock} ${gone} && rm -rf -- ${gone} && echo '@@DPL released'`,
    sh`elif [ -d ${l.lock} ]; then echo '@@DPL foreign'; else echo '@@DPL gone'; fi`,
  ].join('\n');
}

/** `@@DPL held <token>` while a lock is there, else `@@DPL free` (for --lock-wait's quiet looks). */
export function holderTokenScript(l: Layout): string {
  return sh`if [ -d ${l.lock} ]; then printf '@@DPL held %s\\n' "$(cat -- ${l.lock + '/token'} 2>/dev/null)"; else echo '@@DPL free'; fi`;
}

/** `deploy.unlock`: report the holder and remove the lock, or print `@@DPL none`. */
export function forceRemoveScript(l: Layout, suffix: string): string {
  const gone = `${l.lock}.forced.${suffix}`;
  return [
    sh`if [ -d ${l.lock} ]; then`,
    ...holderLines(l, false),
    sh`  mv -T -- ${l.lock} ${gone} && rm -rf -- ${gone}`,
    `else echo '@@DPL none'; fi`,
  ].join('\n');
}

/** For `deploy.check`: shell that prints `@@DPL lock free` or the holder, changing nothing. */
export function lockStatusSnippet(l: Layout): string {
  return [sh`if [ -d ${l.lock} ]; then`, ...holderLines(l, false), `else echo '@@DPL lock free'; fi`].join('\n');
}
