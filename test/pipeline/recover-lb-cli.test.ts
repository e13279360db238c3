// The real `dpl` binary (dist/) on four bed hosts behind a real HAProxy, load through it:
// a rollout interrupted with SIGINT once its canary is live leaves web-0 on the new
// release, in rotation; the `deploy.recover` command its output names, split by a real shell and
// run verbatim, drains web-0 before switching it back and restarting it. The test reads
// web-0's admin state from HAProxy's socket all along; no request through HAProxy fails.
import { execFileSync } from 'node:child_process';
import { readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBed } from '../support/bed.js';
import { freePort } from '../proxy/support/backends.js';
import { startLoad } from '../proxy/support/load.js';
import type { Haproxy } from '../proxy/support/haproxy.js';
import { startDpl, type CliRun } from '../helpers/cli.js';
import { gitEnv, openTmp } from '../deploy/fixtures.js';
import { MAIN } from '../deploy/cli-project.js';
import { appRepo, stopApps, type AppRepo } from '../support/rollout-app.js';
import { haproxyFor, WEB } from '../rollout/support/harness.js';

describeBed('deploy.recover behind HAProxy through the CLI', (bed) => {
  let repo: AppRepo;
  let hx: Haproxy;
  let dir: string;
  const paths = Object.fromEntries(WEB.map((h) => [h, path.join(bed.hosts[h]!.root, `recover-cli-${process.pid}`)]));
  const current = (h: string) => path.basename(readlinkSync(path.join(paths[h]!, 'current')));
  // The deployfile reads the admin socket's path from HX_SOCK: HAProxy starts once the first deploy's apps are up.
  const run = (args: string[]) => startDpl(['-F', bed.configFile, ...args], { cwd: dir, env: { ...gitEnv, HX_SOCK: hx?.adminSock ?? '' } });

  beforeAll(async () => {
    repo = appRepo({ uid: bed.uid, gid: bed.gid });
    const port = await freePort('127.0.10.1');
    dir = openTmp('dpl-recover-cli-');
    symlinkSync(path.join(MAIN, 'node_modules'), path.join(dir, 'node_modules'));
    const src = (p: string) => JSON.stringify(path.join(MAIN, p));
    const hosts = WEB.map((h) => `    ${JSON.stringify(h)}: { vars: { deployPath: ${JSON.stringify(paths[h])}, appAddress: ${JSON.stringify(bed.hosts[h]!.address)} } },`).join('\n');
    writeFileSync(
      path.join(dir, 'deployfile.ts'),
      `import { deployfile } from 'dpl-deploy';
import { releaseTasks } from ${src('src/deploy/tasks.ts')};
import { restartHook } from ${src('test/support/rollout-app.ts')};

const plain = { repoDir: ${JSON.stringify(repo.work)}, cleanup: false, keep: 10, hooks: { restart: restartHook(${port}) } };
const proxy = {
  lb: 'lb-0', backends: ['app'], groups: {}, haproxy: { socket: process.env.HX_SOCK ?? '', timeoutMs: 5000 },
  health: { path: '/health', intervalMs: 100, passes: 2, timeoutMs: 5000, requestTimeoutMs: 1000 }, drainTimeoutMs: 5000, pollMs: 100,
};
const rollout = { health: { passes: 2, intervalMs: 100, timeoutMs: 1000, giveUpMs: 5000 }, bake: { durationMs: 5000, sampleMs: 250, minRequests: 5 } };

export default deployfile({
  hosts: {
${hosts}
    'lb-0': { vars: {} },
  },
  roles: { web: ${JSON.stringify(WEB)} },
  // base: the first deploy, before any LB; deploy: the release behind HAProxy (its deploys are rollouts).
  tasks: { base: releaseTasks(plain), deploy: releaseTasks({ ...plain, proxy, rollout }) },
});
`,
    );
    const first = await run(['-R', 'web', 'base:v1.0.0']).done;
    expect(first.code, first.out).toBe(0);
    hx = await haproxyFor(bed, port);
  });

  afterAll(async () => {
    stopApps(Object.values(paths));
    await hx?.stop();
    for (const d of Object.values(paths)) rmSync(d, { recursive: true, force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
    repo?.cleanup();
  });

  it("SIGINT once the canary is live, then the `dpl -R web deploy.recover` its output names, verbatim: web-0 drained before its restart, switched back, back in rotation; 0 failed requests", async () => {
    const before = current('web-0');
    const rollout = run(['-R', 'web', 'deploy:v1.1.0']);
    const deadline = Date.now() + 60_000;
    while (!/batch 1\/3 is live/.test(rollout.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    rollout.child.kill('SIGINT');
    const stopped: CliRun = await rollout.done;
    // 130 once the deployfile's release tasks and the CLI share their classes (test/deploy/cli-project.ts `unified`).
    expect([1, 130], stopped.out).toContain(stopped.code);
    expect(stopped.out).toMatch(/failed at batch 1\/3 \(web-0\): interrupted/);
    expect(current('web-0')).not.toBe(before);
    expect((await hx.admin())['web-0']).toBe('ready');
    // The line that leaves web-0 for inspection names the command that rolls it back.
    const hint = /left on \S+ for inspection .*`(dpl [^`]*deploy\.recover)` rolls them back/.exec(stopped.out)?.[1];
    expect(hint, stopped.out).toBe('dpl -R web deploy.recover');
    const argv = execFileSync('sh', ['-c', `set -- ${hint}; shift; printf '%s\\0' "$@"`], { encoding: 'utf8' }).split('\0').slice(0, -1);

    const seen: string[] = [];
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const s = (await hx.admin())['web-0']!;
        if (seen.at(-1) !== s) seen.push(s);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const load = startLoad(hx.port, { workers: 4, maxMs: 60_000 });
    const rec = await run(argv).done;
    const report = await load.stop();
    watching = false;
    await watch;
    expect(rec.code, rec.out).toBe(0);
    expect(current('web-0')).toBe(before);
    expect(seen).toEqual(['ready', 'drain', 'ready']);
    expect(rec.out).toMatch(/web-0.*on \d{8}T\d{6}Z and back in rotation/);
    expect(report.failures).toEqual([]);
    expect(report.total).toBeGreaterThan(20);
  });
});
