// The test app a rollout deploys: one node HTTP server per host, started from the
// release directory by the restart hook, listening on the host's 127.0.10.x
// address (APP_ADDR, APP_PORT, APP_NAME = the host's name). It counts the requests
// it answers with the sandbox app's own metrics module (sandbox-app/app/metrics.mjs)
// and serves them on /metrics, for bakes judged by Prometheus. What a release does
// is chosen by its MODE file:
//   healthy    200 everywhere
//   unhealthy  /health answers 503 (the health check must stop the canary)
//   errors50   every other request is a 500 once the host's flag file exists
//              (so a test decides when errors start "after going live")
//   errors     /health answers 200, every other request 500 (only traffic can tell)
// With APP_HITS set, dpl's own health GETs (User-Agent dpl-health, not HAProxy's
// checks) are answered after APP_PROBE_MS and logged there as "<host> <start> <end>"
// (ms): where a test sees, on the host, how many nodes were probed at once.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sh } from '../../src/core/quote.js';
import type { HostHook } from '../../src/deploy/config.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { chownTree, git, originAndClone } from '../deploy/fixtures.js';

export const APP = `import { createServer } from 'node:http';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { requestMetrics } from './metrics.mjs';
const read = (f) => readFileSync(new URL(f, import.meta.url), 'utf8').trim();
const mode = read('./MODE');
const version = read('./VERSION');
const { APP_ADDR, APP_PORT, APP_NAME, APP_FLAG, APP_HITS, APP_PROBE_MS } = process.env;
const metrics = requestMetrics({ host: APP_NAME, version });
let n = 0;
const server = createServer((req, res) => {
  if (req.url === '/metrics') return res.end(metrics.render());
  if (req.url === '/health') {
    const ok = mode !== 'unhealthy';
    const answer = () => {
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(ok ? 'ok' : 'sick');
    };
    if (!APP_HITS || req.headers['user-agent'] !== 'dpl-health') return answer();
    const start = Date.now();
    return setTimeout(() => {
      appendFileSync(APP_HITS, APP_NAME + ' ' + start + ' ' + Date.now() + '\\n');
      answer();
    }, Number(APP_PROBE_MS || 0));
  }
  res.on('finish', () => metrics.count(res.statusCode));
  const failing = mode === 'errors' || (mode === 'errors50' && APP_FLAG && existsSync(APP_FLAG) && n++ % 2 === 0);
  res.writeHead(failing ? 500 : 200, { 'content-type': 'text/plain' });
  res.end((failing ? 'boom from ' : '') + APP_NAME + ' ' + version);
});
server.listen(Number(APP_PORT), APP_ADDR);
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 500).unref();
});
`;

export interface AppRepo {
  work: string;
  origin: string;
  cleanup(): void;
}

/** Origin + work clone with tags: v1.0.0 and v1.1.0 healthy, v1.2.0 unhealthy, v1.3.0 errors50, v1.4.0 errors. */
export function appRepo(owner: { uid: number; gid: number }): AppRepo {
  const { tmp, origin, work } = originAndClone('dpl-rollout-repo-');
  writeFileSync(path.join(work, 'app.mjs'), APP);
  copyFileSync(path.join(PACKAGE_ROOT, 'sandbox-app', 'app', 'metrics.mjs'), path.join(work, 'metrics.mjs'));
  for (const [tag, mode] of [['v1.0.0', 'healthy'], ['v1.1.0', 'healthy'], ['v1.2.0', 'unhealthy'], ['v1.3.0', 'errors50'], ['v1.4.0', 'errors']] as const) {
    writeFileSync(path.join(work, 'MODE'), mode + '\n');
    writeFileSync(path.join(work, 'VERSION'), tag + '\n');
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', `Release ${tag} (${mode})`);
    git(work, 'tag', '-a', '-m', tag, tag);
  }
  git(work, 'push', '-q', '--follow-tags', 'origin', 'HEAD:main');
  chownTree(origin, owner.uid, owner.gid);
  return { work, origin, cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
}

/**
 * The restart hook: stop the host's app (pid file in shared/), start the release's
 * app detached. `c` is in the release directory.
 */
export function restartHook(port: number, more: Record<string, string> = {}): HostHook {
  return async (c, rel) => {
    const shared = `${rel.deployPath}/shared`;
    const pid = `${shared}/app.pid`;
    const addr = String(rel.host.vars.appAddress);
    const extra = Object.entries(more).map(([k, v]) => ` ${k}=${sh`${v}`}`).join('');
    const env = `APP_ADDR=${sh`${addr}`} APP_PORT=${port} APP_NAME=${sh`${rel.host.name}`} APP_FLAG=${sh`${shared}/errors-on`}${extra}`;
    await c.run(
      [
        sh`mkdir -p -- ${shared}`,
        // Wait for the old app to exit (a zombie counts as gone: PID 1 here reaps slowly).
        sh`if [ -f ${pid} ]; then old=$(cat -- ${pid}); kill "$old" 2>/dev/null; i=0;` +
          ` while st=$(awk '{print $3}' "/proc/$old/stat" 2>/dev/null) && [ -n "$st" ] && [ "$st" != Z ] && [ $i -lt 100 ]; do sleep 0.02; i=$((i+1)); done; fi`,
        // Not waited for: the rollout's own health check is what decides the app is up.
        `${env} setsid ${sh`${process.execPath}`} app.mjs </dev/null >>${sh`${shared}/app.log`} 2>&1 & echo $! > ${sh`${pid}`}`,
      ].join('\n'),
      { hide: true },
    );
  };
}

/** Kill every app the tests started (pid files under the deploy paths). */
export function stopApps(deployPaths: readonly string[]): void {
  for (const p of deployPaths) {
    try {
      const pid = Number(execFileSync('cat', [path.join(p, 'shared', 'app.pid')], { encoding: 'utf8' }).trim());
      if (pid > 0) process.kill(pid, 'SIGKILL');
    } catch {
      /* not running */
    }
  }
}

/** Make the errors50 release start failing on these hosts (the flag file its app checks). */
export function startErrors(deployPaths: readonly string[]): void {
  for (const p of deployPaths) {
    mkdirSync(path.join(p, 'shared'), { recursive: true });
    writeFileSync(path.join(p, 'shared', 'errors-on'), '');
  }
}
