// End-to-end support: a temp project whose deployfile.ts is deployfile.example.ts,
// its own sandbox started and stopped through the real CLI (`node bin/dpl.js
// sandbox up|down`), every story command run as a child process, and a load loop
// through the sandbox's HAProxy. Nothing is mocked.
import { spawn } from 'node:child_process';
import { dplCommand } from '../helpers/cli.js';
import { afterAll, beforeAll, expect } from 'vitest';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SandboxInfo } from '../../src/sandbox/layout.js';
import { processesUnder, startLoad as fleetLoad } from '../../src/fleet/index.js';

export const MAIN = path.resolve(import.meta.dirname, '../..');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout + stderr, for messages. */
  out: string;
}

export interface E2eProject {
  dir: string;
  dpl(...args: string[]): Promise<Run>;
  info(): SandboxInfo;
  /** Name of the release `current` points at on a host. */
  current(host: string): string;
  /** The history.jsonl records of a host. */
  history(host: string): Array<Record<string, string>>;
  /** Contents of a file in a host's tree (relative to its root). */
  hostFile(host: string, rel: string): string;
  /** Run a shell-free git command in the sandbox's working clone. */
  git(...args: string[]): Promise<Run>;
  /** `sandbox down`, then: no process left running from the sandbox, directory gone. */
  down(): Promise<{ run: Run; leftovers: number[] }>;
  remove(): void;
}

function exec(cmd: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    child.once('close', (code) => resolve({ code, stdout, stderr, out: stdout + stderr }));
  });
}

export function e2eProject(name: string): E2eProject {
  const dir = mkdtempSync(path.join(tmpdir(), `dpl-e2e-${name}-`));
  // The hosts' login user reads the sandbox (git origin, host trees) below this directory.
  chmodSync(dir, 0o755);
  copyFileSync(path.join(MAIN, 'deployfile.example.ts'), path.join(dir, 'deployfile.ts'));
  const sandbox = path.join(dir, '.dpl', 'sandbox');
  const info = (): SandboxInfo => JSON.parse(readFileSync(path.join(sandbox, 'sandbox.json'), 'utf8')) as SandboxInfo;
  const root = (host: string) => info().hosts[host]!.root;
  let realDir: string | undefined;
  return {
    dir,
    dpl: (...args) => exec(...dplCommand(args), dir),
    info: () => {
      const i = info();
      realDir = i.dir;
      return i;
    },
    current: (host) => path.basename(readlinkSync(path.join(info().hosts[host]!.deployPath, 'current'))),
    history: (host) =>
      readFileSync(path.join(info().hosts[host]!.deployPath, 'history.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, string>),
    hostFile: (host, rel) => readFileSync(path.join(root(host), rel), 'utf8'),
    git: (...args) => exec('git', args, info().git.work),
    down: async () => {
      const where = realDir ?? (existsSync(path.join(sandbox, 'sandbox.json')) ? info().dir : sandbox);
      const run = await exec(...dplCommand(['sandbox', 'down']), dir);
      return { run, leftovers: processesUnder(where) };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface LoadReport {
  total: number;
  /** `<ms> ms: <error>` per failed request. */
  failures: string[];
  /** version → requests served */
  versions: Record<string, number>;
  /** host → requests served */
  hosts: Record<string, number>;
}

/** Clients requesting through HAProxy without pause (the fleet's load loop), counting the version and host that answered. */
export function startLoad(address: string, port: number, o: { workers?: number; maxMs?: number } = {}) {
  const load = fleetLoad({
    host: address,
    port,
    workers: o.workers ?? 2,
    maxMs: o.maxMs ?? 180_000,
    tally: { versions: (res) => String(res.headers['x-opensky-version']), hosts: (res) => String(res.headers['x-opensky-host']) },
  });
  const r = load.report;
  const report: LoadReport = {
    get total() {
      return r.total;
    },
    get failures() {
      return r.failures.map((f) => `${f.at} ms: ${f.error}`);
    },
    versions: r.versions,
    hosts: r.hosts,
  };
  return {
    report,
    stop: async (): Promise<LoadReport> => {
      await load.stop();
      return report;
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One sandbox for a whole test file: `sandbox up` before its tests, `sandbox down`
 * after them, asserting nothing is left running. `use` receives the project.
 */
export function sandboxForFile(name: string, use: (p: E2eProject) => void): void {
  let p: E2eProject | undefined;
  beforeAll(async () => {
    p = e2eProject(name);
    use(p);
    const up = await p.dpl('sandbox', 'up');
    expect(up.code, up.out).toBe(0);
  }, 120_000);
  afterAll(async () => {
    if (!p) return;
    const { run, leftovers } = await p.down();
    p.remove();
    expect(run.code, run.out).toBe(0);
    expect(leftovers).toEqual([]);
  }, 60_000);
}
