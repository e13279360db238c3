// `config.notify` in the deployfile: where deploy notifications go.
//   config: { notify: [{ url: process.env.SLACK_WEBHOOK, format: 'slack', events: ['success', 'failure'] }] }
// An entry whose url is unset (env var missing on this machine) is skipped, not an error.
import { DeployfileError } from '../core/errors.js';

import type { DeployPhase } from '../deploy/announce.js';

export type { DeployPhase };
export const DEPLOY_PHASES: readonly DeployPhase[] = ['start', 'success', 'failure', 'rollback'];

export interface NotifyTarget {
  /** http(s) URL that receives a POST with a JSON body. */
  url: string;
  /** `slack`: `{ text }` (Slack, Mattermost, Rocket.Chat, Teams workflows); `json`: every field of the event. Default slack. */
  format?: 'slack' | 'json';
  /** Which deploy phases to send (default all four). */
  events?: DeployPhase[];
  /** Extra request headers (e.g. Authorization). */
  headers?: Record<string, string>;
  /** Give up on the request after this long (default 5000 ms). */
  timeoutMs?: number;
  /** Name of the project in messages (default config.project, else the project directory's name). */
  project?: string;
}

/** The entry as used at run time: defaults applied. */
export interface ResolvedTarget extends Required<Omit<NotifyTarget, 'headers' | 'project'>> {
  headers: Record<string, string>;
  project?: string;
}

export const DEFAULT_TIMEOUT_MS = 5000;

export function parseNotifyConfig(value: unknown): ResolvedTarget[] {
  if (value === undefined || value === null || value === false) return [];
  const list = Array.isArray(value) ? value : [value];
  const out: ResolvedTarget[] = [];
  list.forEach((raw, i) => {
    const where = `config.notify[${i}]`;
    if (!raw || typeof raw !== 'object') throw new DeployfileError(`${where} must be an object { url, format?, events? }`, { code: 'config.invalid' });
    const t = raw as NotifyTarget;
    if (t.url === undefined || t.url === '') return;
    if (typeof t.url !== 'string' || !/^https?:\/\/[^/\s]+/.test(t.url)) {
      throw new DeployfileError(`${where}.url must be an http:// or https:// URL`, { code: 'config.invalid' });
    }
    const format = t.format ?? 'slack';
    if (format !== 'slack' && format !== 'json') throw new DeployfileError(`${where}.format must be "slack" or "json"`, { code: 'config.invalid' });
    const events = t.events ?? [...DEPLOY_PHASES];
    if (!Array.isArray(events) || events.some((e) => !DEPLOY_PHASES.includes(e))) {
      throw new DeployfileError(`${where}.events must list some of: ${DEPLOY_PHASES.join(', ')}`, { code: 'config.invalid' });
    }
    const timeoutMs = t.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new DeployfileError(`${where}.timeoutMs must be a number of ms above 0`, { code: 'config.invalid' });
    out.push({ url: t.url, format, events, headers: { ...(t.headers ?? {}) }, timeoutMs, project: t.project });
  });
  return out;
}

/** A webhook URL is a secret (Slack's path is the key): show only where it goes. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.length > 1 ? '/…' : ''}`;
  } catch {
    return 'webhook';
  }
}
