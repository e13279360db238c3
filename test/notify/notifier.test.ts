// The notifier in process: which events become notifications, how a deploy's
// phases are matched up, and the message texts (the CLI tests cover the wire).
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/events.js';
import { parseNotifyConfig } from '../../src/notify/config.js';
import { Notifier } from '../../src/notify/notifier.js';
import { noticeFrom, noticeText } from '../../src/notify/notice.js';
import type { DeployOutcome } from '../../src/deploy/announce.js';

const START: Omit<DeployOutcome, 'phase'> = { release: 'R1', ref: 'main', sha: 'f00dfeed', hosts: ['a'] };

function setup(config: unknown = [{ url: 'http://hooks.test/x', format: 'json' }]) {
  const events = new EventBus();
  const sent: Array<{ url: string; body: any }> = [];
  const warnings: string[] = [];
  events.on((e) => e.type === 'notify.webhook' && e.state === 'failed' && warnings.push(`${e.target} ${e.phase}: ${e.error}`));
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
  const phase = (p: DeployOutcome['phase'], data: Partial<DeployOutcome> = {}) => events.emit('deploy.outcome', { ...START, ...data, phase: p });
  return { events, notifier, sent, warnings, phase };
}

describe('notifier', () => {
  it("ignores 'log' events: a deploy's outcome is the typed event only", async () => {
    const { events, notifier, sent } = setup();
    events.emit('log', { level: 'info', topic: 'deploy', message: 'x', data: { phase: 'start', release: 'R1' } });
    await notifier.flush();
    expect(sent).toEqual([]);
  });

  it('sends each phase of a deploy once, even when reported twice', async () => {
    const { notifier, sent, phase } = setup();
    for (let i = 0; i < 2; i++) phase('start', { release: 'R1' });
    for (let i = 0; i < 2; i++) phase('success', { release: 'R1' });
    await notifier.flush();
    expect(sent.map((s) => s.body.event)).toEqual(['deploy.start', 'deploy.success']);
  });

  it('masks a secret learnt after the start in the outcome that carries the start fields', async () => {
    const { events, notifier, sent, phase } = setup();
    phase('start', { release: 'R1', environment: 'prod ticket-Tok-81f2' });
    events.redact('ticket-Tok-81f2');
    phase('success', { release: 'R1' });
    await notifier.flush();
    expect(sent.map((s) => s.body.event)).toEqual(['deploy.start', 'deploy.success']);
    expect(JSON.stringify(sent[1]!.body)).not.toContain('ticket-Tok-81f2');
    expect(sent[1]!.body).toMatchObject({ release: 'R1', environment: 'prod ***' });
  });

  it('carries the start fields into the outcome, and matches an outcome of another release to the one open deploy', async () => {
    const { events, notifier, sent, phase } = setup();
    phase('start', { release: 'R1', ref: 'stable', tag: 'v2.1.0', sha: 'f00dfeed', hosts: ['a', 'b'], environment: 'prod' });
    phase('failure', { release: 'R0', error: 'boom', code: 'lock.held' });
    events.emit('run.end', { ok: false, durationMs: 1, tasks: 1, hostsOk: [], hostsFailed: [] });
    await notifier.flush();
    expect(sent.map((s) => s.body.event)).toEqual(['deploy.start', 'deploy.failure']);
    expect(sent[1]!.body).toMatchObject({ release: 'R0', tag: 'v2.1.0', hosts: ['a'], environment: 'prod', error: 'boom', code: 'lock.held' });
    expect(sent[1]!.body.message).toBe('deploy of R0 failed: boom');
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
    expect(warnings).toEqual(['https://fail.test/… start: HTTP 502: bad gateway']);
  });
});

describe('notification text', () => {
  const base = { project: 'airship', dryRun: false };
  it('names at most five hosts', () => {
    const n = noticeFrom({ phase: 'start', release: 'R1', ref: 'main', sha: 'abcdef1234567', hosts: ['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7'] }, '2026-01-01T00:00:00Z', { ...base, user: 'al' });
    expect(noticeText(n)).toBe(':rocket: al started deploying *airship R1* (main @ abcdef1234) to h1, h2, h3, h4, h5 and 2 more');
  });

  it('reads well with no hosts, and says how long it took', () => {
    const n = noticeFrom({ phase: 'success', release: 'R1', ref: 'main', sha: 'abcdef1234567', hosts: [] }, '2026-01-01T00:01:05Z', { ...base, user: 'al', startedAt: '2026-01-01T00:00:00Z' });
    expect(noticeText(n)).toBe(':white_check_mark: al deployed *airship R1* (main @ abcdef1234) in 1m05s');
  });

  it('a failed deploy undone reads as rolled back from its release', () => {
    const n = noticeFrom({ phase: 'rollback', release: 'R2', ref: 'main', sha: 'abcdef1234567', hosts: ['a'], undo: { after: 'restart' } }, '2026-01-01T00:00:00Z', { ...base, user: 'al' });
    expect(noticeText(n)).toBe(':leftwards_arrow_with_hook: al rolled back *airship* from R2 (main @ abcdef1234) on a');
    expect(n.message).toBe('switched every host back from R2 after restart failed');
  });

  it('rejects malformed entries with the path of the mistake', () => {
    expect(() => parseNotifyConfig([{ url: 'http://x', format: 'xml' }])).toThrow(/config.notify\[0\].format must be "slack" or "json"/);
    expect(() => parseNotifyConfig([{ url: 'http://x' }, { url: 'http://y', events: ['deploy'] }])).toThrow(/config.notify\[1\].events/);
    expect(parseNotifyConfig({ url: 'http://x' })).toHaveLength(1);
  });
});
