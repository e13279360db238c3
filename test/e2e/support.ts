// End-to-end support: a temp project whose deployfile.ts is deployfile.example.ts,
// its own sandbox started and stopped through the real CLI (`node bin/dpl.js
// sandbox up|down`), every story command run as a child process, and a load loop
// through the sandbox's HAProxy. Nothing is mocked. After every command, each new
// line of the run logs (.dpl/logs/<run>/events.jsonl) is validated against the
// published event schema (schema/events.v1.json): an invalid event fails the story.
import { spawn } from 'node:child_process';
import { dplCommand } from '../helpers/cli.js';
import { afterAll, beforeAll, expect } from 'vitest';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SandboxInfo } from '../../src/sandbox/layout.js';
import { processesUnder, startLoad as fleetLoad } from '../../src/fleet/index.js';
import { checkStream, emptyCheck, type StreamCheck } from '../schema/validate.js';

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
  /** The run-log events validated against the schema so far (every command's, as it ends). */
  validated: StreamCheck;
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
  const validated = emptyCheck();
  const checkRunLogs = runLogChecker(path.join(dir, '.dpl', 'logs'), validated);
  const dpl = async (args: string[]) => {
    const run = await exec(...dplCommand(args), dir);
    checkRunLogs();
    return run;
  };
  return {
    dir,
    validated,
    dpl: (...args) => dpl(args),
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
      // Not through dpl(): an invalid event must not stop the teardown.
      const run = await exec(...dplCommand(['sandbox', 'down']), dir);
      return { run, leftovers: processesUnder(where) };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Validates the lines added to any run's events.jsonl under `logs` since its last
 * call (complete lines only: a run still writing is read again next time), adding
 * them to `into`. Throws on the first invalid event with ajv's error path.
 */
function runLogChecker(logs: string, into: StreamCheck): () => void {
  const done = new Map<string, { chars: number; lines: number }>();
  return () => {
    if (!existsSync(logs)) return;
    for (const run of readdirSync(logs, { withFileTypes: true })) {
      const file = path.join(logs, run.name, 'events.jsonl');
      if (!run.isDirectory() || !existsSync(file)) continue;
      const text = readFileSync(file, 'utf8');
      const at = done.get(file) ?? { chars: 0, lines: 0 };
      const end = text.lastIndexOf('\n') + 1;
      if (end <= at.chars) continue;
      const fresh = text.slice(at.chars, end);
      // Marked done first: a later command's check reports its own lines, not this failure again.
      done.set(file, { chars: end, lines: at.lines + fresh.split('\n').length - 1 });
      checkStream(fresh, file, into, at.lines + 1);
    }
  };
}

/** The story's run logs held enough valid events of enough kinds that the schema check meant something. */
export function expectValidatedEvents(p: E2eProject, minTypes: number): void {
  const { lines, types } = p.validated;
  const summary = [...types].map(([t, n]) => `${t} ${n}`).join(', ');
  expect(lines, `events validated against schema/events.v1.json: ${summary}`).toBeGreaterThan(0);
  expect(types.size, `event types validated: ${summary}`).toBeGreaterThan(minTypes);
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
 * after them, asserting nothing is left running and that the run logs held events
 * of more than `minTypes` types, all valid. `use` receives the project.
 */
export function sandboxForFile(name: string, use: (p: E2eProject) => void, minTypes = 10): void {
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
    expectValidatedEvents(p, minTypes);
  }, 60_000);
}
