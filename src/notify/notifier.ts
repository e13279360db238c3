// Sends deploy notifications from the deploy module's 'deploy.outcome' events
// (phase start|success|failure|rollback). A deploy that started but never
// reported its outcome gets one inferred from run.end. Webhooks to one target go
// out in order; a failing webhook only warns. `flush()` waits for all of them.
import type { DplEvent, EventBus } from '../core/events.js';
import type { DeployOutcome } from '../deploy/announce.js';
import { describeUrl, type DeployPhase, type ResolvedTarget } from './config.js';
import { jsonBody, noticeFrom, slackBody, type DeployNotice } from './notice.js';
import { postJson } from './webhook.js';
import { errorText } from '../reporters/error-text.js';

declare module '../core/events.js' {
  interface EventMap {
    /** One webhook of a deploy phase: sent, failed (`error`; the deploy is not affected), or not sent on a dry run.
     *  `target`: where it goes, without the URL's path (for Slack the path is the secret). */
    'notify.webhook': { target: string; phase: DeployPhase; state: 'sent' | 'failed' | 'dry-run'; error?: string };
  }
}

export interface NotifierOptions {
  events: EventBus;
  project: string;
  dryRun: boolean;
  /** Injected in unit tests; default: HTTP POST. */
  post?: typeof postJson;
}

interface OpenDeploy {
  startedAt: string;
  start: DeployOutcome;
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
    if (e.type === 'deploy.outcome') {
      const { type: _type, time, ...outcome } = e;
      this.onOutcome(outcome, time);
    } else if (e.type === 'run.end') {
      for (const [key, d] of [...this.open]) {
        const failure = e.ok ? {} : { error: e.error ? errorText({ message: e.error, host: e.host }) : 'the run failed' };
        this.onOutcome({ ...d.start, phase: e.ok ? 'success' : 'failure', ...failure }, e.time, key, true);
      }
    }
  };

  /** Wait for every webhook in flight (each gives up after its timeout). */
  async flush(): Promise<void> {
    await Promise.all(this.queues.values());
  }

  /** Keyed by release; an outcome whose release no deploy opened goes with the one open deploy, if there is one. */
  private onOutcome(outcome: DeployOutcome, time: string, forcedKey?: string, inferred = false): void {
    const { phase } = outcome;
    let key = forcedKey ?? outcome.release;
    let open = this.open.get(key);
    if (phase !== 'start' && !open && this.open.size === 1) [[key, open]] = [...this.open] as [[string, OpenDeploy]];
    if (this.sent.has(`${key}\0${phase}`)) return;
    this.sent.add(`${key}\0${phase}`);
    if (phase === 'start') this.open.set(key, { startedAt: time, start: outcome });
    if (phase === 'success' || phase === 'failure') this.open.delete(key);
    // The start's fields the outcome does not repeat (its environment, flow) travel on.
    const merged = open ? { ...open.start, ...outcome } : outcome;
    const base = { dryRun: this.o.dryRun, startedAt: open?.startedAt };
    for (const target of this.targets) {
      if (!target.events.includes(phase)) continue;
      const notice = noticeFrom(merged, time, { ...base, project: target.project ?? this.o.project });
      if (inferred) notice.inferred = true;
      this.enqueue(target, notice);
    }
  }

  private enqueue(target: ResolvedTarget, notice: DeployNotice): void {
    const said = { target: describeUrl(target.url), phase: notice.phase };
    if (notice.dryRun) {
      this.o.events.emit('notify.webhook', { ...said, state: 'dry-run' });
      return;
    }
    // Built from events (masked when emitted), but merged across them: masked again as a whole.
    const body = this.o.events.scrub(target.format === 'json' ? jsonBody(notice) : slackBody(notice));
    const previous = this.queues.get(target) ?? Promise.resolve();
    const next = previous.then(() =>
      this.post(target.url, body, { timeoutMs: target.timeoutMs, headers: target.headers }).then(
        () => this.o.events.emit('notify.webhook', { ...said, state: 'sent' }),
        (err: Error) => this.o.events.emit('notify.webhook', { ...said, state: 'failed', error: err.message }),
      ),
    );
    this.queues.set(target, next);
  }
}
