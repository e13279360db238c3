// The notifier in process: which events become notifications, how a deploy's
// phases are matched up, and the message texts (the CLI tests cover the wire).
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/events.js';
import { parseNotifyConfig } from '../../src/notify/config.js';
import { Notifier } from '../../src/notify/notifier.js';
import { noticeFrom, noticeText } from '../../src/notify/notice.js';

function setup(config: unknown = [{ url: 'http://hooks.test/x', format: 'json' }]) {
  const events = new EventBus();
  const sent: Array<{ url: string; body: any }> = [];
  const warnings: string[] = [];
  events.on((e) => e.type === 'log' && e.level === 'warn' && warnings.push(e.message));
  const notifier = new Notifier(parseNotifyConfig(config), {
    events,
    project: 'airship',
    dryRun: false,
    post: async (url, body) => {
      sent.push({ url, body });
      if (url.includes('fail')) throw new Error('HTTP 502: bad gateway');
    },
  });
  events.on(notifier.handle);
  const phase = (p: string, data: Record<string, unknown> = {}, host?: string) =>
    events.emit('log', { host, level: 'info', topic: 'deploy', message: `deploy ${p}`, data: { phase: p, ...data } });
  return { events, notifier, sent, warnings, phase };
}

describe('notifier', () => {
  it('ignores log events of other topics and unknown phases', async () => {
    const { events, notifier, sent, phase } = setup();
    events.emit('log', { level: 'info', message: 'x', data: { phase: 'start' } });
    events.emit('log', { level: 'info', topic: 'git', message: 'x', data: { phase: 'start' } });
    phase('prepare');
    await notifier.flush();
    expect(sent).toEqual([]);
  });

  it('sends each phase of a deploy once, even when reported per host', async () => {
    const { notifier, sent, phase } = setup();
    for (const host of ['web-0', 'web-1']) phase('start', { release: 'R1' }, host);
    for (const host of ['web-0', 'web-1']) phase('success', { release: 'R1' }, host);
    await notifier.flush();
    expect(sent.map((s) => s.body.event)).toEqual(['deploy.start', 'deploy.success']);
  });

  it('masks a secret learnt after the start in the outcome that carries the start fields', async () => {
    const { events, notifier, sent, phase } = setup();
    phase('start', { release: 'R1', environment: 'prod ticket-Tok-81f2' });
    events.redact('ticket-Tok-81f2');
    phase('success', {});
    await notifier.flush();
    expect(sent.map((s) => s.body.event)).toEqual(['deploy.start', 'deploy.success']);
    expect(JSON.stringify(sent[1]!.body)).not.toContain('ticket-Tok-81f2');
    expect(sent[1]!.body).toMatchObject({ release: 'R1', environment: 'prod ***' });
  });

  it('carries the start fields into the outcome, and matches an outcome that names no release', async () => {
    const { events, notifier, sent, phase } = setup();
    phase('start', { release: 'R1', ref: 'stable', tag: 'v2.1.0', sha: 'f00dfeed', hosts: ['a', 'b'] });
    phase('failure', { error: 'boom' });
    events.emit('run.end', { ok: false, durationMs: 1, tasks: 1, hostsOk: [], hostsFailed: [] });
    await notifier.flush();
    expect(sent.map((s) => s.body.event)).toEqual(['deploy.start', 'deploy.failure']);
    expect(sent[1]!.body).toMatchObject({ release: 'R1', tag: 'v2.1.0', hosts: ['a', 'b'], error: 'boom' });
    expect(sent[1]!.body.inferred).toBeUndefined();
  });

  it('infers success when the run ends well and the deploy never said', async () => {
    const { events, notifier, sent, phase } = setup();
    phase('start', { release: 'R2' });
    events.emit('run.end', { ok: true, durationMs: 1, tasks: 1, hostsOk: [], hostsFailed: [] });
    await notifier.flush();
    expect(sent[1]!.body).toMatchObject({ event: 'deploy.success', inferred: true, release: 'R2' });
  });

  it('a failing target warns, hides the URL path, and does not stop the other targets', async () => {
    const { notifier, sent, warnings, phase } = setup([{ url: 'https://fail.test/services/T000/SECRET' }, { url: 'https://ok.test/y' }]);
    phase('start', { release: 'R3' });
    await notifier.flush();
    expect(sent).toHaveLength(2);
    expect(warnings).toEqual(['could not notify https://fail.test/… of deploy start: HTTP 502: bad gateway (the deploy is not affected)']);
  });
});

describe('notification text', () => {
  const base = { project: 'airship', dryRun: false };
  it('names at most five hosts', () => {
    const n = noticeFrom('start', '2026-01-01T00:00:00Z', '', { user: 'al', hosts: ['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7'] }, base);
    expect(noticeText(n)).toBe(':rocket: al started deploying *airship* to h1, h2, h3, h4, h5 and 2 more');
  });

  it('reads well with nothing but a project and a user', () => {
    const n = noticeFrom('success', '2026-01-01T00:01:05Z', '', { user: 'al' }, { ...base, startedAt: '2026-01-01T00:00:00Z' });
    expect(noticeText(n)).toBe(':white_check_mark: al deployed *airship* in 1m05s');
  });

  it('rejects malformed entries with the path of the mistake', () => {
    expect(() => parseNotifyConfig([{ url: 'http://x', format: 'xml' }])).toThrow(/config.notify\[0\].format must be "slack" or "json"/);
    expect(() => parseNotifyConfig([{ url: 'http://x' }, { url: 'http://y', events: ['deploy'] }])).toThrow(/config.notify\[1\].events/);
    expect(parseNotifyConfig({ url: 'http://x' })).toHaveLength(1);
  });
});
