// What a deploy report shows, computed from a run's events: who deployed what,
// each host's timed steps (lock → prepare → switch → restart → record), the
// rollout's batches and bake samples, traffic changes, and how it ended. Pure:
// events in, a plain model out; the page (page.ts) only draws it. Times are ms
// from the run's start.
import { num, str, strings, type LoggedEvent } from './load.js';
import { hostRows, type HostRow } from './hosts.js';
import { errorText } from '../reporters/error-text.js';
import type { DeployOutcome } from '../deploy/announce.js';
import { outcomeText } from '../reporters/format/deploy.js';
import type { DplEvent } from '../core/events.js';
import { plainLines, type PlainLine } from '../reporters/format/plain.js';


export { markSlow, type HostRow, type Span } from './hosts.js';

export interface SamplePoint {
  batch: number;
  sample: number;
  atMs: number;
  /** Error rate 0..1 of the new nodes; null: no request reached them. */
  rate: number | null;
  limit: number;
  verdict: string;
  newRequests: number;
  newErrors: number;
  reason: string;
}

export interface BatchRow {
  batch: number;
  of: number;
  hosts: string[];
  state: string;
  startMs: number;
  endMs?: number;
  detail?: string;
  samples: number;
  conclusive?: number;
}

export interface TrafficChange {
  atMs: number;
  lb?: string;
  message: string;
  changes: Array<{ backend: string; server: string; state: string }>;
}

export interface Problem {
  level: 'error' | 'warn';
  atMs: number;
  host?: string;
  message: string;
}

export interface DeployInfo {
  ref: string;
  kind?: string;
  tag?: string;
  sha?: string;
  subject?: string;
  release: string;
  by?: string;
  environment?: string;
}

export interface ReportModel {
  startedAt: string;
  durationMs: number;
  tasks: string[];
  dryRun: boolean;
  deploy?: DeployInfo;
  hosts: HostRow[];
  batches: BatchRow[];
  samples: SamplePoint[];
  traffic: TrafficChange[];
  problems: Problem[];
  outcome: { ok: boolean | undefined; headline: string; error?: string; hint?: string };
}

const MAX_PROBLEMS = 60;


export function buildModel(events: readonly LoggedEvent[]): ReportModel {
  const t0 = events.length ? Date.parse(events[0]!.time) : 0;
  const at = (e: LoggedEvent) => Date.parse(e.time) - t0;
  const last = events.length ? at(events[events.length - 1]!) : 0;
  const start = events.find((e) => e.type === 'run.start');
  const end = [...events].reverse().find((e) => e.type === 'run.end');
  const m: ReportModel = {
    startedAt: events[0]?.time ?? '',
    durationMs: num(end?.['durationMs']) ?? last,
    tasks: strings(start?.['tasks']),
    dryRun: start?.['dryRun'] === true,
    deploy: deployInfo(events),
    hosts: hostRows(events, at),
    batches: batchRows(events, at),
    samples: samplePoints(events, at),
    traffic: trafficChanges(events, at),
    problems: problems(events, at),
    outcome: outcome(events, end),
  };
  for (const b of m.batches) b.samples = m.samples.filter((s) => s.batch === b.batch).length || b.samples;
  return m;
}

function deployInfo(events: readonly LoggedEvent[]): DeployInfo | undefined {
  const r = events.find((e) => e.type === 'deploy.resolved');
  if (!r) return undefined;
  const env = str(events.find((e) => e.type === 'deploy.outcome')?.['environment']);
  return {
    ref: str(r['ref']) ?? '?',
    kind: str(r['kind']),
    tag: str(r['tag']),
    sha: str(r['sha']),
    subject: str(r['subject']),
    release: str(r['release']) ?? '?',
    by: str(r['by']),
    environment: env,
  };
}

function batchRows(events: readonly LoggedEvent[], at: (e: LoggedEvent) => number): BatchRow[] {
  const rows = new Map<number, BatchRow>();
  for (const e of events) {
    const batch = num(e['batch']);
    if (batch === undefined) continue;
    if (e.type === 'rollout.batch') {
      const state = str(e['state']) ?? '?';
      let r = rows.get(batch);
      if (!r) rows.set(batch, (r = { batch, of: num(e['of']) ?? 0, hosts: strings(e['hosts']), state, startMs: at(e), samples: 0 }));
      r.state = state;
      if (state === 'failed') {
        r.endMs = at(e);
        r.detail = str(e['detail']);
      }
    } else if (e.type === 'rollout.promote') {
      const r = rows.get(batch);
      if (!r) continue;
      r.state = 'promoted';
      r.endMs = at(e);
      r.samples = num(e['samples']) ?? r.samples;
      r.conclusive = num(e['conclusive']);
    }
  }
  return [...rows.values()].sort((a, b) => a.batch - b.batch);
}

function samplePoints(events: readonly LoggedEvent[], at: (e: LoggedEvent) => number): SamplePoint[] {
  return events
    .filter((e) => e.type === 'rollout.sample')
    .map((e) => ({
      batch: num(e['batch']) ?? 0,
      sample: num(e['sample']) ?? 0,
      atMs: at(e),
      rate: num(e['rate']) ?? null,
      limit: num(e['limit']) ?? 0,
      verdict: str(e['verdict']) ?? '?',
      newRequests: num(e['newRequests']) ?? 0,
      newErrors: num(e['newErrors']) ?? 0,
      reason: str(e['reason']) ?? '',
    }));
}

/** Load balancer changes: typed 'proxy.change' events (and, in run logs of dpl 0.1, the proxy's 'log' lines with data.changes). */
function trafficChanges(events: readonly LoggedEvent[], at: (e: LoggedEvent) => number): TrafficChange[] {
  const out: TrafficChange[] = [];
  for (const e of events) {
    if (e.type === 'proxy.change') {
      const changes = [...records(e['changes']).map(serverChange), ...records(e['weights']).map((w) => ({ ...serverChange(w), state: `weight ${num(w['weight']) ?? '?'}` }))];
      const m = e['maintenance'];
      if (typeof m === 'object' && m !== null) {
        const on = (m as Record<string, unknown>)['on'] === true;
        for (const backend of strings((m as Record<string, unknown>)['backends'])) changes.push({ backend, server: '*', state: `maintenance ${on ? 'on' : 'off'}` });
      }
      if (!changes.length) continue;
      out.push({ atMs: at(e), lb: str(e['lb']), message: wordsOf(e).map((l) => l.text).join('; '), changes });
      continue;
    }
    const data = e.type === 'log' && e['topic'] === 'proxy' ? (e['data'] as Record<string, unknown> | undefined) : undefined;
    if (!data || !Array.isArray(data['changes'])) continue;
    const changes = records(data['changes']).map(serverChange);
    if (!changes.length) continue;
    out.push({ atMs: at(e), lb: str(e['host']), message: str(e['message']) ?? '', changes });
  }
  return out;
}

function records(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.filter((c): c is Record<string, unknown> => typeof c === 'object' && c !== null) : [];
}

function serverChange(c: Record<string, unknown>): TrafficChange['changes'][number] {
  return { backend: str(c['backend']) ?? '?', server: str(c['server']) ?? '?', state: str(c['state']) ?? '?' };
}

/** A typed event's words, as the terminal shows them (none for a malformed or unknown event). */
function wordsOf(e: LoggedEvent): PlainLine[] {
  try {
    return plainLines(e as unknown as DplEvent);
  } catch {
    return [];
  }
}

function problems(events: readonly LoggedEvent[], at: (e: LoggedEvent) => number): Problem[] {
  const out: Problem[] = [];
  const seen = new Set<string>();
  const add = (level: Problem['level'], e: LoggedEvent, message: string | undefined, host = str(e['host'])) => {
    if (!message || out.length >= MAX_PROBLEMS) return;
    const key = `${level} ${host ?? ''} ${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ level, atMs: at(e), host, message });
  };
  for (const e of events) {
    if (e.type === 'log' && (e['level'] === 'error' || e['level'] === 'warn')) add(e['level'], e, str(e['message']));
    else if (e.type === 'deploy.step' && e['state'] === 'failed') add('error', e, `${str(e['step'])} failed: ${str(e['error']) ?? ''}`);
    else {
      // Warnings and errors are typed events too: their words, as the terminal showed them.
      for (const l of wordsOf(e)) if (l.level === 'error' || l.level === 'warn') add(l.level, e, l.text, l.host);
    }
  }
  return out;
}

function outcome(events: readonly LoggedEvent[], end: LoggedEvent | undefined): ReportModel['outcome'] {
  const ok = end ? end['ok'] === true : undefined;
  const message = str(end?.['error']);
  const error = message === undefined ? undefined : errorText({ message, host: str(end?.['host']) });
  const hint = str(end?.['hint']);
  // How the deploy said it ended (its last deploy.outcome but a start), else the run's end.
  const said = [...events].reverse().find((e) => e.type === 'deploy.outcome' && e['phase'] !== 'start' && isOutcome(e));
  const headline = said ? outcomeText(said as unknown as DeployOutcome) : end === undefined ? 'the run did not finish (no run.end in the log)' : ok ? 'the run succeeded' : 'the run failed';
  return { ok, headline, error, hint };
}

/** A logged deploy.outcome with the fields its words need (the log is a file: it may be from another version). */
function isOutcome(e: LoggedEvent): boolean {
  return ['success', 'failure', 'rollback'].includes(String(e['phase'])) && typeof e['release'] === 'string' && Array.isArray(e['hosts']);
}
