// Runs the real dpl binary (built by `tsc` into dist/) as a child process.
import { spawnSync } from 'node:child_process';
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
export function project(deployfileSource: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'dpl-proj-'));
  writeFileSync(join(dir, 'deployfile.ts'), deployfileSource);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
