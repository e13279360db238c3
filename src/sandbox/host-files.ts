// What each sandbox host has in its own tree (its $HOME): `bin/svc`, the service
// manager a deploy's restart hook calls (supervisord or systemd on real hosts),
// `bin/node`, a `.gitconfig`, and `log/` and `run/` for the processes svc starts.
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { quote } from '../core/quote.js';

/** How long `svc start` waits for the listener ($APP_PROCESS) to listen on $APP_PORT. */
export const START_TIMEOUT_S = 10;
/** How long any other process must stay up to count as started (supervisord's startsecs). */
export const SETTLE_S = 1;

/**
 * `svc start|stop|restart|status NAME...` runs the Procfile entry NAME of the live
 * release ($DEPLOY_PATH/current) in its own session, pid in ~/run, log in ~/log.
 * A start fails when the process exits before it is ready (see start_one).
 * A stopped process gets SIGTERM and 5 s to finish its requests.
 */
export const SVC_SCRIPT = `#!/bin/sh
# svc: the dpl sandbox's service manager (see src/sandbox/host-files.ts).
set -u
usage() { echo "usage: svc start|stop|restart|status NAME..." >&2; exit 2; }
[ $# -ge 2 ] || usage
action=$1; shift
current=\${DEPLOY_PATH:?DEPLOY_PATH is not set}/current
START_TIMEOUT_S=${quote(START_TIMEOUT_S)}
SETTLE_S=${quote(SETTLE_S)}
mkdir -p "$HOME/run" "$HOME/log"

alive() { [ -n "$1" ] && st=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) && [ -n "$st" ] && [ "$st" != Z ]; }
pid_of() { cat "$HOME/run/$1.pid" 2>/dev/null || true; }

stop_one() {
  pid=$(pid_of "$1")
  if alive "$pid"; then
    kill "$pid" 2>/dev/null
    i=0; while alive "$pid" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    if alive "$pid"; then kill -9 "$pid" 2>/dev/null; fi
    echo "$1: stopped (pid $pid)"
  else
    echo "$1: not running"
  fi
  rm -f "$HOME/run/$1.pid"
}

# Does process $1 hold a TCP socket listening on port $2? Its fds against the LISTEN (0A) rows of /proc/net/tcp*.
listens() {
  inodes=$(awk -v p=":$(printf '%04X' "$2")" '$4 == "0A" && substr($2, length($2) - 4) == p { print $10 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null)
  [ -n "$inodes" ] || return 1
  for fd in /proc/"$1"/fd/*; do
    link=$(readlink "$fd" 2>/dev/null) || continue
    for i in $inodes; do [ "$link" = "socket:[$i]" ] && return 0; done
  done
  return 1
}

failed() {
  echo "svc: $1 $2; the end of $HOME/log/$1.log:" >&2
  tail -n 5 "$HOME/log/$1.log" >&2
}

start_one() {
  pid=$(pid_of "$1")
  if alive "$pid"; then echo "$1: already running (pid $pid)"; return 0; fi
  cmd=$(sed -n "s/^$1:[[:space:]]*//p" "$current/Procfile" 2>/dev/null)
  if [ -z "$cmd" ]; then echo "svc: $current/Procfile has no process $1" >&2; return 1; fi
  release=$(readlink "$current")
  (cd "$current" && exec setsid sh -c "exec $cmd" </dev/null >>"$HOME/log/$1.log" 2>&1) &
  pid=$!
  echo "$pid" > "$HOME/run/$1.pid"
  # Being alive a moment after exec proves little (a broken release may take a while
  # to die under load): the listener is started once it listens on its port, any other
  # process once it has stayed up SETTLE_S (supervisord's startsecs); exiting first fails.
  if [ "$1" = "\${APP_PROCESS:-}" ]; then
    end=$(($(date +%s) + START_TIMEOUT_S + 1))
    while alive "$pid" && ! listens "$pid" "$APP_PORT" && [ "$(date +%s)" -lt "$end" ]; do sleep 0.1; done
  else
    i=0; while alive "$pid" && [ $i -lt $((SETTLE_S * 10)) ]; do sleep 0.1; i=$((i + 1)); done
  fi
  if ! alive "$pid"; then
    wait "$pid"; code=$?
    rm -f "$HOME/run/$1.pid"
    if [ "$1" = "\${APP_PROCESS:-}" ]; then failed "$1" "exited (status $code) before it listened on $APP_ADDR:$APP_PORT"; else failed "$1" "exited (status $code) within $SETTLE_S s"; fi
    return 1
  fi
  if [ "$1" = "\${APP_PROCESS:-}" ] && ! listens "$pid" "$APP_PORT"; then
    stop_one "$1" >/dev/null
    failed "$1" "did not listen on $APP_ADDR:$APP_PORT within $START_TIMEOUT_S s; stopped it"
    return 1
  fi
  echo "$1: started (pid $pid, $release)"
}

status_one() {
  pid=$(pid_of "$1")
  if alive "$pid"; then echo "$1: running (pid $pid)"; else echo "$1: stopped"; return 3; fi
}

rc=0
for name in "$@"; do
  case $name in ''|*[!A-Za-z0-9_-]*) usage ;; esac
  case $action in
    start) start_one "$name" || rc=1 ;;
    stop) stop_one "$name" ;;
    restart) stop_one "$name" >/dev/null; start_one "$name" || rc=1 ;;
    status) status_one "$name" || rc=3 ;;
    *) usage ;;
  esac
done
exit $rc
`;

/** The host tree: bin/svc, bin/node, .gitconfig (the hosts fetch from a repo another user owns), log/, run/, the deploy path. */
export function writeHostTree(root: string, deployPath: string): void {
  for (const d of ['bin', 'log', 'run']) mkdirSync(join(root, d), { recursive: true, mode: 0o755 });
  mkdirSync(deployPath, { recursive: true, mode: 0o755 });
  writeFileSync(join(root, 'bin', 'svc'), SVC_SCRIPT);
  chmodSync(join(root, 'bin', 'svc'), 0o755);
  symlinkSync(process.execPath, join(root, 'bin', 'node'));
  writeFileSync(join(root, '.gitconfig'), '[safe]\n\tdirectory = *\n[advice]\n\tdetachedHead = false\n');
}

/** PATH on the hosts: their own bin first (svc, node), then the usual system directories. */
export function hostPath(root: string): string {
  return [join(root, 'bin'), '/usr/local/bin', '/usr/bin', '/bin', '/usr/local/sbin', '/usr/sbin', '/sbin'].join(':');
}
