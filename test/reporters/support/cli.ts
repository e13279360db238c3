// The real dpl binary as a child process, for tests that need it running while
// they act (Ctrl-C, appending to a followed log, a webhook server in this process).
// DPL_TEST_ROOT points the tests at another build of dpl (default: this checkout).
import { spawn, type ChildProcess } from 'node:child_process';
import { dplCommand } from '../../helpers/cli.js';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll } from 'vitest';

export const DPL_ROOT = process.env.DPL_TEST_ROOT ?? resolve(import.meta.dirname, '../../..');
export const DPL_BIN = join(DPL_ROOT, 'bin/dpl.js');
const API = join(DPL_ROOT, 'dist/bundle/api.js');

/** Whether the built API (what deployfiles import as 'dpl-deploy') exports `name`. */
export async function apiExports(name: string): Promise<boolean> {
  return existsSync(API) && name in (await import(pathToFileURL(API).href));
}

export interface Done {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves when stdout+stderr match. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  done: Promise<Done>;
}

export interface StartOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
}

/** Plain environment for a child: no colour, not CI, unless the test says so. */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...extra };
  if (!('CI' in extra)) delete env.CI;
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete env[k];
  return env;
}

export function start(args: string[], o: StartOptions): Running {
  const child = spawn(...dplCommand(args), { cwd: o.cwd, env: childEnv(o.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: Array<() => void> = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  child.stdout!.on('data', (b: Buffer) => ((stdout += b.toString()), wake()));
  child.stderr!.on('data', (b: Buffer) => ((stderr += b.toString()), wake()));
  const done = new Promise<Done>((res) => child.on('close', (code, signal) => res({ code, signal, stdout, stderr })));
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    waitFor(pattern, timeoutMs = 15_000) {
      return new Promise<void>((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`timed out waiting for ${pattern}\nstdout:\n${stdout}\nstderr:\n${stderr}`)), timeoutMs);
        const check = () => {
          if (pattern.test(stdout + stderr)) {
            clearTimeout(timer);
            res();
          } else waiters.push(check);
        };
        check();
      });
    },
    done,
  };
}

/** Run to the end. */
export function dplRun(args: string[], o: StartOptions): Promise<Done> {
  return start(args, o).done;
}

// Registered on the importing test file's root suite (files are isolated).
const made: string[] = [];
afterAll(() => made.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A temp directory removed after the test file. */
export function tempDir(prefix = 'dpl-ops-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A temp project with a deployfile.ts (and optional extra files). */
export function tempProject(deployfile: string, files: Record<string, string> = {}): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'deployfile.ts'), deployfile);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Every stdout line parsed as JSON (throws on the first line that is not). */
export function jsonLines(stdout: string): Array<Record<string, any>> {
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, any>);
}

/** Assert the exit code, showing the output when it is not the expected one. */
export function expectCode(r: Done, code: number): void {
  if (r.code !== code) throw new Error(`dpl exited with ${r.code}, expected ${code}\n--- stdout:\n${r.stdout}\n--- stderr:\n${r.stderr}`);
}
