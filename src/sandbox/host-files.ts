// What each sandbox host has in its own tree (its $HOME): `bin/svc`, the service
// manager a deploy's restart hook calls (supervisord or systemd on real hosts),
// `bin/node`, a `.gitconfig`, and `log/` and `run/` for the processes svc starts.
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `svc start|stop|restart|status NAME...` runs the Procfile entry NAME of the live
 * release ($DEPLOY_PATH/current) in its own session, pid in ~/run, log in ~/log.
 * A stopped process gets SIGTERM and 5 s to finish its requests.
 */
export const SVC_SCRIPT = `#!/bin/sh
# svc: the dpl sandbox's service manager (see src/sandbox/host-files.ts).
set -u
usage() { echo "usage: svc start|stop|restart|status NAME..." >&2; exit 2; }
[ $# -ge 2 ] || usage
action=$1; shift
current=\${DEPLOY_PATH:?DEPLOY_PATH is not set}/current
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

start_one() {
  pid=$(pid_of "$1")
  if alive "$pid"; then echo "$1: already running (pid $pid)"; return 0; fi
  cmd=$(sed -n "s/^$1:[[:space:]]*//p" "$current/Procfile" 2>/dev/null)
  if [ -z "$cmd" ]; then echo "svc: $current/Procfile has no process $1" >&2; return 1; fi
  release=$(readlink "$current")
  (cd "$current" && exec setsid sh -c "exec $cmd" </dev/null >>"$HOME/log/$1.log" 2>&1) &
  pid=$!
  echo "$pid" > "$HOME/run/$1.pid"
  sleep 0.2
  if ! alive "$pid"; then
    echo "svc: $1 exited at once; the end of $HOME/log/$1.log:" >&2
    tail -n 5 "$HOME/log/$1.log" >&2
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
