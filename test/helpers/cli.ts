// Runs the real dpl binary (built by `tsc` into dist/) as a child process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const DPL_BIN = resolve(import.meta.dirname, '../../bin/dpl.js');
/** The installed command: a sh launcher that starts from the V8 snapshot when one is built. */
export const DPL_LAUNCHER = resolve(import.meta.dirname, '../../bin/dpl');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The command line that runs dpl: `node bin/dpl.js ...` (the bundle), or bin/dpl (the
 * snapshot) when asked or when DPL_TEST_LAUNCHER=1 runs the whole suite through it.
 */
export function dplCommand(args: string[], launcher = process.env.DPL_TEST_LAUNCHER === '1'): [string, string[]] {
  return launcher ? [DPL_LAUNCHER, args] : [process.execPath, [DPL_BIN, ...args]];
}

export function dpl(args: string[], opts: { cwd?: string; env?: Record<string, string>; input?: string; timeoutMs?: number; launcher?: boolean } = {}): CliResult {
  const [cmd, argv] = dplCommand(args, opts.launcher);
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
export function project(deployfileSource: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'dpl-proj-'));
  writeFileSync(join(dir, 'deployfile.ts'), deployfileSource);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
