// A release repo whose app counts its requests with the sandbox app's own metrics
// module (sandbox-app/app/metrics.mjs) and serves them on /metrics, for bakes
// judged by Prometheus. Started by test/rollout/support/app.ts's restartHook
// (APP_ADDR, APP_PORT, APP_NAME = the host's name). MODE per tag:
//   healthy  200 everywhere; errors  /health 200, every other request 500.
import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { chownTree, git, openTmp } from '../deploy/fixtures.js';

export const METRICS_APP = `import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { requestMetrics } from './metrics.mjs';
const read = (f) => readFileSync(new URL(f, import.meta.url), 'utf8').trim();
const mode = read('./MODE');
const version = read('./VERSION');
const { APP_ADDR, APP_PORT, APP_NAME } = process.env;
const metrics = requestMetrics({ host: APP_NAME, version });
const server = createServer((req, res) => {
  if (req.url === '/metrics') return res.end(metrics.render());
  if (req.url === '/health') return res.end('ok');
  res.on('finish', () => metrics.count(res.statusCode));
  res.writeHead(mode === 'errors' ? 500 : 200, { 'content-type': 'text/plain' });
  res.end((mode === 'errors' ? 'boom from ' : '') + APP_NAME + ' ' + version);
});
server.listen(Number(APP_PORT), APP_ADDR);
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 500).unref();
});
`;

export interface MetricsRepo {
  work: string;
  cleanup(): void;
}

/** v1.0.0 and v1.1.0 healthy, v1.4.0 errors. */
export function metricsAppRepo(owner: { uid: number; gid: number }): MetricsRepo {
  const tmp = openTmp('dpl-prom-repo-');
  const origin = path.join(tmp, 'origin.git');
  const work = path.join(tmp, 'work');
  execFileSync('git', ['init', '-q', '--bare', origin]);
  execFileSync('git', ['clone', '-q', origin, work], { stdio: 'ignore' });
  writeFileSync(path.join(work, 'app.mjs'), METRICS_APP);
  copyFileSync(path.join(PACKAGE_ROOT, 'sandbox-app', 'app', 'metrics.mjs'), path.join(work, 'metrics.mjs'));
  for (const [tag, mode] of [['v1.0.0', 'healthy'], ['v1.1.0', 'healthy'], ['v1.4.0', 'errors']] as const) {
    writeFileSync(path.join(work, 'MODE'), mode + '\n');
    writeFileSync(path.join(work, 'VERSION'), tag + '\n');
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', `Release ${tag} (${mode})`);
    git(work, 'tag', '-a', '-m', tag, tag);
  }
  git(work, 'push', '-q', '--follow-tags', 'origin', 'HEAD:main');
  chownTree(origin, owner.uid, owner.gid);
  return { work, cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
}
