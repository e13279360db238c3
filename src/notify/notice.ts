// What a deploy notification says, built from the deploy module's 'deploy.outcome'
// events (contract: docs/notifications.md), in the two wire formats.
import { userInfo } from 'node:os';
import type { DeployOutcome } from '../deploy/announce.js';
import { outcomeText } from '../reporters/format/deploy.js';

/** The outcome's own fields, repeated at the top of every notice (the webhook contract, docs/notifications.md). */
type OutcomeFields = Pick<DeployOutcome, 'phase' | 'release' | 'ref' | 'tag' | 'sha' | 'hosts' | 'environment' | 'error' | 'code'>;

export interface DeployNotice extends OutcomeFields {
  project: string;
  user: string;
  /** When the phase happened (the event's time). */
  time: string;
  durationMs?: number;
  dryRun: boolean;
  /** True when dpl inferred the outcome at the end of the run (the deploy never reported it). */
  inferred?: boolean;
  /** The outcome in words, as dpl prints it. */
  message: string;
  /** Every field of the outcome (with the start's fields the later event did not repeat). */
  data: DeployOutcome;
}

export function noticeFrom(o: DeployOutcome, time: string, base: { project: string; dryRun: boolean; startedAt?: string; user?: string }): DeployNotice {
  const duration = base.startedAt && o.phase !== 'start' ? Date.parse(time) - Date.parse(base.startedAt) : undefined;
  return {
    phase: o.phase,
    project: base.project,
    user: base.user ?? currentUser(),
    time,
    release: o.release,
    ref: o.ref,
    tag: o.tag,
    sha: o.sha,
    hosts: o.hosts,
    environment: o.environment,
    error: o.error,
    code: o.code,
    durationMs: duration !== undefined && Number.isFinite(duration) ? Math.round(duration) : undefined,
    dryRun: base.dryRun,
    message: outcomeText(o),
    data: o,
  };
}

export function currentUser(): string {
  if (process.env.DPL_USER) return process.env.DPL_USER;
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'someone';
  }
}

/** One line for humans (Slack markdown). */
export function noticeText(n: DeployNotice): string {
  const what = [n.project, n.release ? n.release : undefined].filter(Boolean).join(' ');
  const name = n.tag ?? n.ref;
  const ref = name || n.sha ? ` (${[name, n.sha.slice(0, 10)].filter(Boolean).join(' @ ')})` : '';
  const env = n.environment ? ` ${n.environment}` : '';
  const where = n.hosts.length ? ` to${env} ${hostList(n.hosts)}` : env ? ` to${env}` : '';
  const took = n.durationMs !== undefined ? ` in ${seconds(n.durationMs)}` : '';
  switch (n.phase) {
    case 'start':
      return `:rocket: ${n.user} started deploying *${what}*${ref}${where}`;
    case 'success':
      return `:white_check_mark: ${n.user} deployed *${what}*${ref}${where}${took}`;
    case 'failure':
      return `:x: Deploy of *${what}*${ref}${where} by ${n.user} failed${took}${n.error ? `: ${firstLine(n.error)}` : ''}`;
    case 'rollback':
      return `:leftwards_arrow_with_hook: ${n.user} rolled back *${n.project}*${n.release ? ` ${n.data.undo ? 'from' : 'to'} ${n.release}` : ''}${ref}${n.hosts.length ? ` on ${hostList(n.hosts)}` : ''}`;
  }
}

export function slackBody(n: DeployNotice): { text: string } {
  return { text: noticeText(n) };
}

export function jsonBody(n: DeployNotice): Record<string, unknown> {
  const { data, ...fields } = n;
  return { event: `deploy.${n.phase}`, ...fields, text: noticeText(n), data };
}

function hostList(hosts: string[]): string {
  const shown = hosts.slice(0, 5).join(', ');
  return hosts.length > 5 ? `${shown} and ${hosts.length - 5} more` : shown;
}

function seconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.slice(0, 300);
}
