// Runs the real dpl binary (built by `tsc` into dist/) as a child process.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The one launcher, the package's `bin` (test/cli/launcher.test.ts runs it as a file too). */
export const DPL_BIN = resolve(import.meta.dirname, '../../bin/dpl.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The command line that runs dpl: `node bin/dpl.js ...` with the node running the tests. */
export function dplCommand(args: string[]): [string, string[]] {
  return [process.execPath, [DPL_BIN, ...args]];
}

export function dpl(args: string[], opts: { cwd?: string; env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): CliResult {
  const [cmd, argv] = dplCommand(args);
  const r = spawnSync(cmd, argv, {
    cwd: opts.cwd,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    input: opts.input ?? '',
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A temp project with a deployfile.ts (and optional extra files). */
/** How a dpl started with startDpl() ended. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout + stderr */
  out: string;
  ms: number;
}

/** The real binary in the background (to race it, signal it, or watch its output as it runs). */
export function startDpl(args: string[], opts: { cwd: string; env: Record<string, string | undefined> }): { child: ChildProcess; done: Promise<CliRun>; output: () => string } {
  const started = Date.now();
  const child = spawn(...dplCommand(args), { cwd: opts.cwd, env: { ...process.env, NO_COLOR: '1', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const done = new Promise<CliRun>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr, out: stdout + stderr, ms: Date.now() - started })));
  return { child, done, output: () => stdout + stderr };
}

export function project(deployfileSource: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'dpl-proj-'));
  writeFileSync(join(dir, 'deployfile.ts'), deployfileSource);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
