// What a deployfile writes under `rollout: {...}` and the defaults, resolved once per
// run: per-environment overrides (the run's environment: `dpl prod ...`, `-E prod`, or a
// task calling `c.session.useEnvironment('prod')`), then the CLI's `plan=`.
// Types and pure helpers only, cheap to import.
import { UsageError } from '../core/errors.js';
import { DEFAULT_PLAN, planSteps, type PlanStep } from './plan.js';
import type { BakeSource } from './sources/source.js';
import type { ProxyConfig } from '../proxy/config.js';

export interface RolloutHealthConfig {
  /** GET this path on each node of a batch after its restart; 2xx only, redirects fail. Default "/health". */
  path?: string;
  /** Port of the app on the node. Default: the port the LB sends traffic to (HAProxy's server address). */
  port?: number;
  /** Host variable with the node's app address as seen from the node, `"10.0.0.5:8080"`, `"10.0.0.5"` or a port. Default "healthAddress". */
  hostVar?: string;
  /** Address when the host variable is unset. Default: the LB's address of the server, else 127.0.0.1. */
  address?: string;
  /** `host` (default): the GET is a stream opened by the node's own SSH connection; `local`: from this machine. */
  via?: 'host' | 'local';
  hostHeader?: string;
  /** Good answers in a row needed. Default 2. */
  passes?: number;
  /** Between attempts. Default 1000 ms. */
  intervalMs?: number;
  /** One request's timeout. Default 5000 ms. */
  timeoutMs?: number;
  /** Give up (and roll back) after this long. Default 60 s. */
  giveUpMs?: number;
}

export interface BakeConfig {
  /**
   * Where the counters come from: HAProxy's per-server counters (default, `haproxyCounters()`),
   * or `prometheus({ url, requests, errors })` (any proxy, nginx included).
   */
  source?: BakeSource;
  /** How long a batch stays under watch once in rotation. Default 60 s; 0 skips the bake. */
  durationMs?: number;
  /** Between samples of the LB's counters. Default 5 s. */
  sampleMs?: number;
  /** Fewer requests to the new nodes in a sample window is inconclusive, not a failure. Default 20. */
  minRequests?: number;
  /** Absolute error rate limit (0..1). Default 0.01. */
  maxErrorRate?: number;
  /** Or this many times the old nodes' rate, when that is higher. Default 2. */
  relativeFactor?: number;
  /** Failed samples that roll back. Default 2. */
  failedSamples?: number;
  /**
   * While the bake is inconclusive after `durationMs`, it samples on, up to this long.
   * Default 3 × durationMs. Still inconclusive then: see `RolloutSettings.inconclusive`.
   */
  maxDurationMs?: number;
  /**
   * A batch's bake is conclusive with at least this many conclusive samples (each saw
   * `minRequests` requests to the new nodes, or a new node DOWN). Default 2.
   */
  minConclusive?: number;
}

/** What a bake still inconclusive at `bake.maxDurationMs` does: stop the rollout (default), or promote with a warning. */
export type InconclusivePolicy = 'fail' | 'promote';

export interface RolloutSettings {
  /** Cumulative host counts or percentages; the last repeats; `"10%w"`: one host at 10% of the traffic (HAProxy weights). Default `[1, "50%", "100%"]`. */
  plan?: readonly PlanStep[] | string;
  health?: RolloutHealthConfig;
  bake?: BakeConfig;
  /**
   * Too little traffic to judge a batch by `bake.maxDurationMs`: `"fail"` (default) stops
   * the rollout (it rolls back, or holds with --no-rollback) and exits 1; `"promote"`
   * promotes without evidence, with a warning.
   */
  inconclusive?: InconclusivePolicy;
  /**
   * Ask before starting. `true` always, `false` never, or the environment names that ask
   * (default `["prod", "production"]`). On no terminal, only `--yes` proceeds.
   */
  confirm?: boolean | readonly string[];
  /** How long to wait for a drained batch's sessions to end (then warn and go on). Default: proxy `drainTimeoutMs`, else 60 s. */
  drainTimeoutMs?: number;
}

export interface RolloutConfig extends RolloutSettings {
  /** Overrides per environment, e.g. `{ staging: { plan: ["50%"], confirm: false } }`. */
  environments?: Record<string, RolloutSettings>;
}

/** The LB a recovery of an unfinished run drains through (src/rollout/recovery.ts), with the rollout settings it checks health by. */
export interface RecoveryLb {
  proxy: ProxyConfig;
  rollout?: RolloutConfig;
}

export interface ResolvedRollout {
  plan: PlanStep[];
  health: Required<Omit<RolloutHealthConfig, 'port' | 'address' | 'hostHeader'>> & Pick<RolloutHealthConfig, 'port' | 'address' | 'hostHeader'>;
  bake: Required<Omit<BakeConfig, 'source'>> & Pick<BakeConfig, 'source'>;
  inconclusive: InconclusivePolicy;
  confirm: boolean | readonly string[];
  drainTimeoutMs?: number;
  environment?: string;
}

export const DEFAULT_CONFIRM: readonly string[] = ['prod', 'production'];

export function resolveRollout(config: RolloutConfig = {}, environment?: string, planOverride?: readonly string[] | string): ResolvedRollout {
  const env = environment !== undefined ? config.environments?.[environment] : undefined;
  const pick = <K extends keyof RolloutSettings>(k: K): RolloutSettings[K] => env?.[k] ?? config[k];
  const override = planOverride !== undefined && (typeof planOverride === 'string' ? planOverride.trim() !== '' : planOverride.length > 0);
  const h = { ...config.health, ...env?.health };
  const b = { ...config.bake, ...env?.bake };
  const durationMs = b.durationMs ?? 60_000;
  const r: ResolvedRollout = {
    plan: planSteps(override ? planOverride! : (pick('plan') ?? DEFAULT_PLAN)),
    health: {
      path: h.path ?? '/health',
      port: h.port,
      hostVar: h.hostVar ?? 'healthAddress',
      address: h.address,
      via: h.via ?? 'host',
      hostHeader: h.hostHeader,
      passes: h.passes ?? 2,
      intervalMs: h.intervalMs ?? 1000,
      timeoutMs: h.timeoutMs ?? 5000,
      giveUpMs: h.giveUpMs ?? 60_000,
    },
    bake: {
      durationMs,
      sampleMs: b.sampleMs ?? 5000,
      minRequests: b.minRequests ?? 20,
      maxErrorRate: b.maxErrorRate ?? 0.01,
      relativeFactor: b.relativeFactor ?? 2,
      failedSamples: b.failedSamples ?? 2,
      maxDurationMs: b.maxDurationMs ?? 3 * durationMs,
      minConclusive: b.minConclusive ?? 2,
      source: b.source,
    },
    inconclusive: pick('inconclusive') ?? 'fail',
    confirm: pick('confirm') ?? DEFAULT_CONFIRM,
    drainTimeoutMs: pick('drainTimeoutMs'),
    environment,
  };
  validate(r);
  return r;
}

function validate(r: ResolvedRollout): void {
  const bad = (what: string): never => {
    throw new UsageError(`rollout config: ${what}`, { code: 'config.invalid', hint: 'see RolloutConfig in src/rollout/config.ts' });
  };
  const h = r.health;
  if (!h.path.startsWith('/')) bad('health.path must start with "/"');
  if (h.port !== undefined && !(Number.isInteger(h.port) && h.port > 0 && h.port < 65536)) bad(`health.port ${h.port} is not a port`);
  if (h.via !== 'host' && h.via !== 'local') bad('health.via is "host" or "local"');
  for (const [k, v] of [['health.passes', h.passes], ['bake.failedSamples', r.bake.failedSamples], ['bake.minConclusive', r.bake.minConclusive]] as const) {
    if (!Number.isInteger(v) || v < 1) bad(`${k} must be a whole number of at least 1`);
  }
  for (const [k, v] of Object.entries({ ...pickNums(h), ...pickNums(r.bake) })) if (!(v >= 0) || !Number.isFinite(v)) bad(`${k} must be a number ≥ 0`);
  if (h.intervalMs < 10 || h.timeoutMs < 10) bad('health.intervalMs and health.timeoutMs must be at least 10 ms');
  if (r.bake.durationMs > 0 && r.bake.sampleMs < 10) bad('bake.sampleMs must be at least 10 ms');
  if (r.bake.maxErrorRate > 1) bad('bake.maxErrorRate is a fraction (0.01 = 1%)');
  const src = r.bake.source as Partial<BakeSource> | undefined;
  if (src !== undefined && (typeof src !== 'object' || src === null || typeof src.open !== 'function')) bad('bake.source is a source value: prometheus({ url, requests, errors }) or haproxyCounters()');
  if (r.inconclusive !== 'fail' && r.inconclusive !== 'promote') bad(`inconclusive is "fail" or "promote", not ${JSON.stringify(r.inconclusive)}`);
  const b = r.bake;
  if (b.durationMs > 0) {
    if (b.maxDurationMs < b.durationMs) bad(`bake.maxDurationMs (${b.maxDurationMs}) is shorter than bake.durationMs (${b.durationMs})`);
    // A bake that cannot take minConclusive samples could never be conclusive.
    const most = Math.floor(b.maxDurationMs / b.sampleMs);
    if (most < b.minConclusive) bad(`bake.minConclusive is ${b.minConclusive}, but bake.maxDurationMs ${b.maxDurationMs} ms allows only ${most} samples of bake.sampleMs ${b.sampleMs} ms`);
  }
}

function pickNums(o: object): Record<string, number> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => typeof v === 'number')) as Record<string, number>;
}

/** Does this run need a yes before it starts? */
export function needsConfirmation(r: ResolvedRollout): boolean {
  if (typeof r.confirm === 'boolean') return r.confirm;
  return r.environment !== undefined && r.confirm.includes(r.environment);
}
