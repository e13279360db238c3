// The setup most rollout files share: the test app's repo, v1.0.0 deployed the plain
// way on web-0..3, then a real HAProxy in front of it (reached as lb-0 over SSH),
// torn down after the file. Call it once inside describeBed; it registers the
// beforeAll/afterAll, so a file's own beforeAll runs after it and its own afterAll
// before it (vitest's "stack" hook order).
import { readFileSync, readlinkSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import type { BedInfo } from '../../support/bed.js';
import { freePort } from '../../proxy/support/backends.js';
import type { Haproxy } from '../../proxy/support/haproxy.js';
import { appRepo, restartHook, stopApps, type AppRepo } from '../../support/rollout-app.js';
import { haproxyFor, project, WEB, type Project } from './harness.js';

export interface BehindHaproxyOptions {
  /** More environment for the apps (restartHook), made in the beforeAll (e.g. a log in a fresh directory). */
  appEnv?: () => Record<string, string>;
  /** More paths to remove once the apps are stopped. */
  remove?: () => Array<string | undefined>;
  /** A second LB host (e.g. 'web-5') with its own HAProxy over the same servers: `proxy.lb` becomes ['lb-0', it]. */
  secondLb?: string;
}

export interface BehindHaproxy {
  readonly p: Project;
  /** lb-0's HAProxy. */
  readonly hx: Haproxy;
  /** The second LB's HAProxy (only with `secondLb`). */
  readonly hx2: Haproxy;
  readonly repo: AppRepo;
  /** The apps' port on each web host's address. */
  readonly port: number;
  /** The release a host's `current` link names. */
  current(h: string): string;
  currents(): Record<string, string>;
  /** The VERSION file of a host's current release. */
  version(h: string): string;
  /** A host's history.jsonl records, oldest first. */
  history(h: string): Record<string, string>[];
}

/** `name` makes the project's deploy paths (`rollout-<name>-<pid>` under each host's root). */
export function behindHaproxy(bed: BedInfo, name: string, o: BehindHaproxyOptions = {}): BehindHaproxy {
  let p: Project | undefined;
  let hx: Haproxy | undefined;
  let hx2: Haproxy | undefined;
  let repo: AppRepo | undefined;
  let port: number | undefined;
  const ready = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`behindHaproxy(${name}): ${what} is not set up (its beforeAll failed or has not run)`);
    return v;
  };
  const under = (h: string, ...rest: string[]) => path.join(ready(p, 'the project').paths[h]!, ...rest);

  beforeAll(async () => {
    repo = appRepo({ uid: bed.uid, gid: bed.gid });
    port = await freePort('127.0.10.1');
    const lb1 = { vars: {} as Record<string, unknown> };
    const more = o.secondLb ? { [o.secondLb]: lb1 } : {};
    p = project(bed, `${name}-${process.pid}`, repo.work, port, '(set below)', { restart: restartHook(port, o.appEnv?.()) }, more);
    const first = await p.dpl(['deploy:v1.0.0']);
    expect(first.error, first.error?.message).toBeUndefined();
    if (o.secondLb) {
      [hx, hx2] = await Promise.all([haproxyFor(bed, port), haproxyFor(bed, port)]);
      lb1.vars.haproxySocket = hx2.adminSock; // the second LB's own socket (a host var beats the config's)
      p.proxy.lb = ['lb-0', o.secondLb];
    } else hx = await haproxyFor(bed, port);
    p.proxy.haproxy!.socket = hx.adminSock;
  });

  afterAll(async () => {
    if (p) stopApps(Object.values(p.paths));
    await hx?.stop();
    await hx2?.stop();
    if (p) for (const d of Object.values(p.paths)) rmSync(d, { recursive: true, force: true });
    for (const d of o.remove?.() ?? []) if (d) rmSync(d, { recursive: true, force: true });
    repo?.cleanup();
  });

  const current = (h: string) => path.basename(readlinkSync(under(h, 'current')));
  return {
    get p() {
      return ready(p, 'the project');
    },
    get hx() {
      return ready(hx, 'HAProxy');
    },
    get hx2() {
      return ready(hx2, 'the second HAProxy (secondLb)');
    },
    get repo() {
      return ready(repo, 'the app repo');
    },
    get port() {
      return ready(port, 'the port');
    },
    current,
    currents: () => Object.fromEntries(WEB.map((h) => [h, current(h)])),
    version: (h) => readFileSync(under(h, 'current', 'VERSION'), 'utf8').trim(),
    history: (h) =>
      readFileSync(under(h, 'history.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, string>),
  };
}
