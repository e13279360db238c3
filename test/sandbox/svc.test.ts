// The sandbox's `svc` (src/sandbox/host-files.ts), run as the hosts run it: POSIX sh
// on a tree of its own. `svc start` must not call a process started that is about to
// die: a listening process is started once it listens on APP_PORT, and one that exits
// first (however late, within the bound) is a failed start.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hostPath, writeHostTree } from '../../src/sandbox/host-files.js';
import { freePort } from '../../src/fleet/net.js';

let roots: string[] = [];
afterEach(() => {
  for (const r of roots) {
    spawnSync('sh', [join(r, 'bin', 'svc'), 'stop', 'airship', 'worker'], { env: envOf(r, 0) });
    rmSync(r, { recursive: true, force: true });
  }
  roots = [];
});

function envOf(root: string, port: number): NodeJS.ProcessEnv {
  return { HOME: root, PATH: hostPath(root), DEPLOY_PATH: join(root, 'deploy'), APP_ADDR: '127.0.0.1', APP_PORT: String(port), APP_PROCESS: 'airship' };
}

/** A host tree whose live release has this Procfile; returns the svc runner. */
function host(procfile: string, port: number) {
  const root = mkdtempSync(join(tmpdir(), 'dpl-svc-'));
  roots.push(root);
  writeHostTree(root, join(root, 'deploy'));
  const release = join(root, 'deploy', 'releases', 'r1');
  mkdirSync(release, { recursive: true });
  writeFileSync(join(release, 'Procfile'), procfile);
  symlinkSync(release, join(root, 'deploy', 'current'));
  return {
    root,
    svc: (...args: string[]) => {
      const r = spawnSync('sh', [join(root, 'bin', 'svc'), ...args], { env: envOf(root, port), encoding: 'utf8', timeout: 30_000 });
      return { code: r.status, out: r.stdout + r.stderr };
    },
  };
}

const LISTEN = (delayMs: number) =>
  `node -e "setTimeout(() => require('http').createServer((q, s) => s.end('ok')).listen(+process.env.APP_PORT, process.env.APP_ADDR), ${delayMs})"`;

describe('svc start', () => {
  it('a process that exits after 0.2 s (a slow crash under load) is a failed start, with its log', async () => {
    const h = host(`airship: node -e "console.error('cannot start'); setTimeout(() => process.exit(3), 700)"\n`, await freePort());
    const r = h.svc('start', 'airship');
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(/svc: airship exited \(status 3\) before it listened on 127\.0\.0\.1:\d+/);
    expect(r.out).toContain('cannot start');
    expect(h.svc('status', 'airship').code).toBe(3);
  });

  it('a process that listens late is started once it listens, not before', async () => {
    const port = await freePort();
    const h = host(`airship: ${LISTEN(700)}\n`, port);
    const r = h.svc('start', 'airship');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/^airship: started \(pid \d+, .*r1\)$/m);
    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect(await res.text()).toBe('ok');
    expect(h.svc('restart', 'airship').code).toBe(0);
  });

  it('a process that stays up but never listens fails after the bound and is stopped', async () => {
    const h = host(`airship: node -e "setInterval(() => {}, 1000)"\n`, await freePort());
    const pidFile = join(h.root, 'run', 'airship.pid');
    const r = h.svc('start', 'airship');
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(/svc: airship did not listen on 127\.0\.0\.1:\d+ within 10 s; stopped it/);
    expect(() => readFileSync(pidFile)).toThrow();
  }, 30_000);

  it('a process that does not listen (a worker) is started when it stays up', async () => {
    const h = host(`worker: node -e "setInterval(() => {}, 1000)"\nairship: ${LISTEN(0)}\n`, await freePort());
    expect(h.svc('start', 'worker').code).toBe(0);
    expect(h.svc('status', 'worker').out).toMatch(/worker: running/);
  });
});
