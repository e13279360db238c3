// Sends deploy notifications from events: 'log' events with topic 'deploy' and
// data.phase start|success|failure|rollback. A deploy that started but never
// reported its outcome gets one inferred from run.end. Webhooks to one target go
// out in order; a failing webhook only warns. `flush()` waits for all of them.
import type { DplEvent, EventBus } from '../core/events.js';
import { DEPLOY_PHASES, describeUrl, type DeployPhase, type ResolvedTarget } from './config.js';
import { jsonBody, noticeFrom, slackBody, type DeployNotice } from './notice.js';
import { postJson } from './webhook.js';
import { errorText } from '../reporters/error-text.js';

export interface NotifierOptions {
  events: EventBus;
  project: string;
  dryRun: boolean;
  /** Injected in unit tests; default: HTTP POST. */
  post?: typeof postJson;
}

interface OpenDeploy {
  startedAt: string;
  data: Record<string, unknown>;
}

export class Notifier {
  private readonly open = new Map<string, OpenDeploy>();
  private readonly sent = new Set<string>();
  private readonly queues = new Map<ResolvedTarget, Promise<void>>();
  private readonly post: typeof postJson;

  constructor(
    private readonly targets: ResolvedTarget[],
    private readonly o: NotifierOptions,
  ) {
    this.post = o.post ?? postJson;
  }

  readonly handle = (e: DplEvent): void => {
    if (e.type === 'log' && e.topic === 'deploy' && isPhase(e.data?.phase)) {
      this.onPhase(e.data.phase, e.time, e.message, e.data);
    } else if (e.type === 'run.end') {
      for (const [key, d] of [...this.open]) {
        const phase = e.ok ? 'success' : 'failure';
        const data = { ...d.data, phase, error: e.ok ? undefined : e.error ? errorText({ message: e.error, host: e.host }) : 'the run failed' };
        this.onPhase(phase, e.time, `deploy ${phase} (inferred at the end of the run)`, data, key, true);
      }
    }
  };

  /** Wait for every webhook in flight (each gives up after its timeout). */
  async flush(): Promise<void> {
    await Promise.all(this.queues.values());
  }

  private onPhase(phase: DeployPhase, time: string, message: string, data: Record<string, unknown>, forcedKey?: string, inferred = false): void {
    let key = forcedKey ?? deployKey(data);
    let open = this.open.get(key);
    if (phase !== 'start' && !open && this.open.size === 1) [[key, open]] = [...this.open] as [[string, OpenDeploy]];
    if (this.sent.has(`${key}\0${phase}`)) return;
    this.sent.add(`${key}\0${phase}`);
    if (phase === 'start') this.open.set(key, { startedAt: time, data });
    if (phase === 'success' || phase === 'failure') this.open.delete(key);
    const merged = open ? { ...open.data, ...withoutUndefined(data) } : data;
    const base = { dryRun: this.o.dryRun, startedAt: open?.startedAt };
    for (const target of this.targets) {
      if (!target.events.includes(phase)) continue;
      const notice = noticeFrom(phase, time, message, merged, { ...base, project: target.project ?? this.o.project });
      if (inferred) notice.inferred = true;
      this.enqueue(target, notice);
    }
  }

  private enqueue(target: ResolvedTarget, notice: DeployNotice): void {
    const where = describeUrl(target.url);
    if (notice.dryRun) {
      this.o.events.emit('log', { level: 'debug', topic: 'notify', message: `dry run: would notify ${where} of deploy ${notice.phase}` });
      return;
    }
    // Built from events (masked when emitted), but merged across them: masked again as a whole.
    const body = this.o.events.scrub(target.format === 'json' ? jsonBody(notice) : slackBody(notice));
    const previous = this.queues.get(target) ?? Promise.resolve();
    const next = previous.then(() =>
      this.post(target.url, body, { timeoutMs: target.timeoutMs, headers: target.headers }).then(
        () => this.o.events.emit('log', { level: 'debug', topic: 'notify', message: `notified ${where} of deploy ${notice.phase}` }),
        (err: Error) =>
          this.o.events.emit('log', {
            level: 'warn',
            topic: 'notify',
            message: `could not notify ${where} of deploy ${notice.phase}: ${err.message} (the deploy is not affected)`,
          }),
      ),
    );
    this.queues.set(target, next);
  }
}

function isPhase(value: unknown): value is DeployPhase {
  return typeof value === 'string' && (DEPLOY_PHASES as readonly string[]).includes(value);
}

function deployKey(data: Record<string, unknown>): string {
  const id = data.deployId ?? data.release;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : '';
}

function withoutUndefined(data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined));
}
