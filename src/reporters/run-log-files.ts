// Files behind the run log: one directory per run under <project>/.dpl/logs,
// a `latest` symlink to the newest, old runs pruned (by count and by total size). Writes are buffered and
// flushed often (and on process exit) so a killed run still leaves its log.
import { closeSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, rmdirSync, statSync, symlinkSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const RUN_DIR = /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d/;

/** Sortable, unique name for a run directory: 2025-01-31T12-00-00.123Z-1a2b3c. */
export function runDirName(now: Date = new Date()): string {
  return `${now.toISOString().replace(/:/g, '-')}-${uniqueSuffix()}`;
}

export function createRunDir(logsDir: string, name: string): string {
  const dir = join(logsDir, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Point `<logsDir>/latest` at `name` (relative link, swapped in atomically). */
export function linkLatest(logsDir: string, name: string): void {
  const tmp = join(logsDir, `.latest.${process.pid}.${uniqueSuffix()}`);
  symlinkSync(name, tmp);
  renameSync(tmp, join(logsDir, 'latest'));
}

export interface PruneLimits {
  /** Runs to keep at most. */
  keep: number;
  /** Bytes all runs may hold together. */
  maxTotalBytes: number;
}

/**
 * Remove the oldest run directories (names sort by time) until at most `keep` are
 * left and they hold at most `maxTotalBytes`; `protect` (the current run) stays
 * whatever its size. Sizes come from stat, never from reading the logs. Returns what was removed.
 */
export function pruneRuns(logsDir: string, limits: PruneLimits, protect: string): string[] {
  const runs = readdirSync(logsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && RUN_DIR.test(d.name))
    .map((d) => d.name)
    .sort();
  const sizes = runs.map((name) => dirBytes(join(logsDir, name)));
  let count = runs.length;
  let total = sizes.reduce((a, b) => a + b, 0);
  const doomed: string[] = [];
  for (let i = 0; i < runs.length && (count > Math.max(1, limits.keep) || total > limits.maxTotalBytes); i++) {
    if (runs[i] === protect) continue;
    doomed.push(runs[i]!);
    count--;
    total -= sizes[i]!;
  }
  for (const name of doomed) removeRunDir(join(logsDir, name));
  return doomed;
}

/** Bytes of the files in a run directory (0 for what vanished meanwhile). */
function dirBytes(dir: string): number {
  let sum = 0;
  try {
    for (const f of readdirSync(dir)) {
      try {
        sum += statSync(join(dir, f)).size;
      } catch {
        // removed by a concurrent prune
      }
    }
  } catch {
    // ditto
  }
  return sum;
}

/** Run dirs and temp links only need to differ from each other (pid + time already almost do). */
function uniqueSuffix(): string {
  return Math.floor(Math.random() * 0xffffff).toString(16).padStart(6, '0');
}

/** A run dir holds plain files only; rmSync's recursive walker costs a module load per run. */
function removeRunDir(dir: string): void {
  try {
    for (const f of readdirSync(dir)) unlinkSync(join(dir, f));
    rmdirSync(dir);
  } catch {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An append-only file with a small write buffer. */
export class BufferedFile {
  private fd?: number;
  private buffer = '';

  constructor(path: string) {
    this.fd = openSync(path, 'a', 0o600);
  }

  append(text: string): void {
    this.buffer += text;
    if (this.buffer.length >= 64 * 1024) this.flush();
  }

  flush(): void {
    if (this.fd === undefined || !this.buffer) return;
    const text = this.buffer;
    this.buffer = '';
    writeSync(this.fd, text);
  }

  close(): void {
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
