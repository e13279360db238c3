// `config.runLog` in the deployfile: where run logs go, how many are kept and how
// big they may grow. `false` turns the run log off.
//   config: { runLog: { keep: 20, maxRunBytes: 20_000_000, maxTotalBytes: 200_000_000 } }
import { DeployfileError } from '../core/errors.js';

export interface RunLogConfig {
  /** Where the logs go, relative to the project root (default `.dpl/logs`). */
  dir?: string;
  /** How many runs to keep, the newest (default 20). */
  keep?: number;
  /** Bytes one run may write, both files together (default 20 MB); output past it is left out, with a marker. */
  maxRunBytes?: number;
  /** Bytes all runs may hold (default 200 MB); the oldest runs are removed after a run to stay under it. */
  maxTotalBytes?: number;
}

export type ResolvedRunLogConfig = Required<Omit<RunLogConfig, 'dir'>> & Pick<RunLogConfig, 'dir'>;

export const DEFAULT_KEEP = 20;
// A line of output costs its length + ~220 bytes in the two files: 20 MB holds
// ~60,000 lines of 100 characters, far above a deploy (dpl's own tests leave
// run logs of 22 kB at most). 200 MB holds the 20 kept runs of a normal project (there
// `keep` decides) or 10 cut ones.
export const DEFAULT_MAX_RUN_BYTES = 20_000_000;
export const DEFAULT_MAX_TOTAL_BYTES = 200_000_000;
/** Room below which a cap would leave no space for the run's own events and markers. */
export const MIN_RUN_BYTES = 100_000;

const SETTINGS = ['dir', 'keep', 'maxRunBytes', 'maxTotalBytes'];

export function parseRunLogConfig(value: unknown): ResolvedRunLogConfig | false {
  if (value === false) return false;
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new DeployfileError('config.runLog must be an object ({ keep, maxRunBytes, maxTotalBytes, dir }) or false', { code: 'config.invalid' });
  }
  const v = (value ?? {}) as RunLogConfig;
  const unknown = Object.keys(v).find((k) => !SETTINGS.includes(k));
  if (unknown) throw new DeployfileError(`config.runLog has no setting "${unknown}" (it has ${SETTINGS.join(', ')})`, { code: 'config.invalid' });
  if (v.keep !== undefined && (!Number.isInteger(v.keep) || v.keep < 1)) throw new DeployfileError('config.runLog.keep must be a whole number above 0', { code: 'config.invalid' });
  if (v.dir !== undefined && (typeof v.dir !== 'string' || !v.dir)) throw new DeployfileError('config.runLog.dir must be a path', { code: 'config.invalid' });
  const maxRunBytes = bytes('maxRunBytes', v.maxRunBytes, DEFAULT_MAX_RUN_BYTES);
  const maxTotalBytes = bytes('maxTotalBytes', v.maxTotalBytes, DEFAULT_MAX_TOTAL_BYTES);
  if (maxTotalBytes < maxRunBytes) {
    // The run in progress is never pruned, so the total could not hold.
    throw new DeployfileError(
      `config.runLog.maxTotalBytes (${formatBytes(maxTotalBytes)}) must be at least config.runLog.maxRunBytes (${formatBytes(maxRunBytes)})`,
      { code: 'config.invalid' },
    );
  }
  return { dir: v.dir, keep: v.keep ?? DEFAULT_KEEP, maxRunBytes, maxTotalBytes };
}

function bytes(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= MIN_RUN_BYTES) return value;
  const got = typeof value === 'string' ? JSON.stringify(value) : String(value);
  throw new DeployfileError(
    `config.runLog.${name} must be a whole number of bytes, at least ${MIN_RUN_BYTES} (${formatBytes(MIN_RUN_BYTES)}); got ${got}`,
    { code: 'config.invalid' },
  );
}

/** 8 B, 200 kB, 1 MB, 2.5 MB: decimal units, as the caps are written. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const [unit, size] = n < 1e6 ? ['kB', 1e3] : n < 1e9 ? ['MB', 1e6] : ['GB', 1e9];
  return `${(n / (size as number)).toFixed(1).replace(/\.0$/, '')} ${unit}`;
}
