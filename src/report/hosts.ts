// Each host's timed steps from the run's 'deploy.step' events (lock → prepare →
// switch → restart → record), where it came from and went to, and which host
// was the straggler. Pure, like the rest of the model.
import { num, str, type LoggedEvent } from './load.js';

export interface Span {
  step: string;
  startMs: number;
  endMs: number;
  /** 'open': started, never ended (a killed run). */
  state: 'ok' | 'failed' | 'open';
  error?: string;
}

export interface HostRow {
  host: string;
  spans: Span[];
  /** Time spent in its steps (waits between them and a rollout's 'checks' not counted). */
  busyMs: number;
  /** The release before the switch, and the one it ended on. */
  from?: string;
  to?: string;
  /** Last recorded status (deployed, failed, rolled-back) or what the rollback did. */
  status?: string;
  /** Busy well above the other hosts (1.5× their median, and 200 ms more). */
  slow: boolean;
}

/** Per-host spans from 'deploy.step' start/end pairs, in the order hosts first appear. */
export function hostRows(events: readonly LoggedEvent[], at: (e: LoggedEvent) => number): HostRow[] {
  const rows = new Map<string, HostRow>();
  const open = new Map<string, Span>();
  const row = (host: string) => {
    let r = rows.get(host);
    if (!r) rows.set(host, (r = { host, spans: [], busyMs: 0, slow: false }));
    return r;
  };
  for (const e of events) {
    const host = str(e['host']);
    if (!host) continue;
    if (e.type === 'deploy.step') {
      const step = str(e['step']) ?? '?';
      const key = `${host}\u0000${step}`;
      if (e['state'] === 'start') {
        const span: Span = { step, startMs: at(e), endMs: at(e), state: 'open' };
        row(host).spans.push(span);
        open.set(key, span);
        continue;
      }
      const span = open.get(key);
      open.delete(key);
      const endMs = at(e);
      // An end without its start (a log cut at the front): place it by its duration.
      const s = span ?? { step, startMs: endMs - (num(e['durationMs']) ?? 0), endMs, state: 'open' as const };
      if (!span) row(host).spans.push(s);
      s.endMs = endMs;
      s.state = e['state'] === 'failed' ? 'failed' : 'ok';
      const error = str(e['error']);
      if (error) s.error = error;
      if (step === 'switch' && e['state'] === 'end') {
        row(host).from = str(e['from']) ?? row(host).from;
        row(host).to = str(e['release']) ?? row(host).to;
      }
    } else if (e.type === 'deploy.status' && rows.has(host)) {
      const r = row(host);
      const status = str(e['status']);
      // The new release recorded failed after the host went back: "rolled back" says more.
      if (!(status === 'failed' && r.status?.startsWith('rolled back'))) r.status = status;
      r.from ??= str(e['from']);
      if (r.status === 'deployed') r.to = str(e['release']) ?? r.to;
    } else if (e.type === 'rollout.rollback' && e['state'] === 'host' && rows.has(host)) {
      const r = row(host);
      r.status = e['ok'] === false ? 'rollback failed' : 'rolled back';
      r.to = str(e['to']) ?? r.to;
    }
  }
  const list = [...rows.values()];
  for (const r of list) {
    r.busyMs = r.spans.reduce((n, s) => n + Math.max(0, s.endMs - s.startMs), 0);
    r.spans.push(...checkSpans(r.spans));
  }
  markSlow(list);
  return list;
}

/**
 * A rollout's gate between a host's restart and its record (health checks, then the
 * bake) as 'checks' spans: drawn lighter, not counted as the host's own time.
 */
function checkSpans(spans: readonly Span[]): Span[] {
  const out: Span[] = [];
  spans.forEach((s, i) => {
    const next = spans[i + 1];
    if (s.step === 'restart' && s.state === 'ok' && next?.step === 'record' && next.startMs - s.endMs >= 100) {
      out.push({ step: 'checks', startMs: s.endMs, endMs: next.startMs, state: 'ok' });
    }
  });
  return out;
}

/**
 * The slowest host, when it is well above the others that went through the same
 * steps (so one straggler stands out, not noise, and not the one host a failed
 * rollout got to while the others only locked).
 */
export function markSlow(rows: HostRow[]): void {
  const stepsOf = (r: HostRow) => r.spans.filter((s) => s.step !== 'checks').map((s) => s.step).join(' ');
  const sorted = [...rows].sort((a, b) => b.busyMs - a.busyMs);
  const top = sorted[0];
  if (!top) return;
  const rest = sorted.slice(1).filter((r) => stepsOf(r) === stepsOf(top)).map((r) => r.busyMs);
  if (!rest.length) return;
  const median = rest[Math.floor(rest.length / 2)]!;
  if (top.busyMs > 1.5 * median && top.busyMs - median >= 200) top.slow = true;
}

