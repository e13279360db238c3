// Deploy notifications through the real CLI to a webhook server in this process:
// Slack `{text}` and plain JSON bodies, event filters, outcomes inferred when a
// deploy never reports one, and webhooks that fail without failing the deploy.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dplRun, jsonLines, tempProject, expectCode } from '../reporters/support/cli.js';

interface Hit {
  path: string;
  body: any;
  headers: IncomingMessage['headers'];
  respondedAt?: number;
}

let server: Server;
let base: string;
let hits: Hit[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (b) => (raw += b));
    req.on('end', () => {
      const hit: Hit = { path: req.url ?? '', body: JSON.parse(raw), headers: req.headers };
      hits.push(hit);
      res.on('finish', () => (hit.respondedAt = Date.now()));
      if (req.url === '/fail') res.writeHead(500).end('boom');
      else if (req.url === '/slow') setTimeout(() => res.writeHead(200).end('ok'), 800);
      else if (req.url === '/hang') return; // never answers
      else res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});
beforeEach(() => {
  hits = [];
});

/** A freed port: nothing listens there. */
async function refusedUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return `http://127.0.0.1:${port}/hook`;
}

/** The CLI as alice (DPL_USER names who deploys in the messages). */
const dplAs = (args: string[], o: { cwd: string }) => dplRun(args, { ...o, env: { DPL_USER: 'alice' } });

const project = (notify: string) =>
  tempProject(`
import { deployfile, task } from 'dpl-deploy';
const data = { release: '20261122T100000Z', ref: 'main', sha: 'abcdef1234567890abcd', hosts: ['web-0', 'web-1'] };
export default deployfile({
  config: { project: 'airship', notify: ${notify} },
  tasks: {
    deploy: task({ desc: 'a deploy that reports its phases', run: 'local', args: { outcome: { default: 'success' } } }, async (c, { outcome }) => {
      const phase = (p: string, extra: Record<string, unknown> = {}) => c.emit('deploy.outcome', { ...data, ...extra, phase: p });
      phase('start');
      if (outcome === 'success') phase('success');
      if (outcome === 'rollback') {
        phase('rollback', { release: '20261121T090000Z' });
        phase('failure', { error: 'restart failed on web-1' });
      }
      if (outcome === 'crash') throw new Error('switch failed on web-1');
    }),
  },
});
`);

describe('deploy notifications', () => {
  it('posts Slack {text} and plain JSON bodies for start and success, in order', async () => {
    const dir = project(`[{ url: '${base}/slack', format: 'slack' }, { url: '${base}/json', format: 'json' }]`);
    const r = await dplAs(['deploy'], { cwd: dir });
    expectCode(r, 0);
    const slack = hits.filter((h) => h.path === '/slack');
    expect(slack.map((h) => Object.keys(h.body))).toEqual([['text'], ['text']]);
    expect(slack[0]!.body.text).toBe(':rocket: alice started deploying *airship 20261122T100000Z* (main @ abcdef1234) to web-0, web-1');
    expect(slack[1]!.body.text).toMatch(/^:white_check_mark: alice deployed \*airship 20261122T100000Z\* \(main @ abcdef1234\) to web-0, web-1 in \d+s$/);
    expect(slack[0]!.headers['content-type']).toMatch(/^application\/json/);
    const json = hits.filter((h) => h.path === '/json').map((h) => h.body);
    expect(json.map((b) => b.event)).toEqual(['deploy.start', 'deploy.success']);
    expect(json[1]).toMatchObject({
      phase: 'success',
      project: 'airship',
      user: 'alice',
      release: '20261122T100000Z',
      ref: 'main',
      sha: 'abcdef1234567890abcd',
      hosts: ['web-0', 'web-1'],
      dryRun: false,
      data: { phase: 'success', release: '20261122T100000Z' },
    });
    expect(typeof json[1].durationMs).toBe('number');
    expect(json[1].text).toBe(slack[1]!.body.text);
  });

  it('sends only the phases a target asks for', async () => {
    const dir = project(`[{ url: '${base}/only-failures', events: ['failure'] }]`);
    expectCode(await dplAs(['deploy'], { cwd: dir }), 0);
    expect(hits).toHaveLength(0);
    expectCode(await dplAs(['deploy:rollback'], { cwd: dir }), 0);
    expect(hits.map((h) => h.body.text)).toEqual([expect.stringMatching(/^:x: Deploy of \*airship .* failed in \d+s: restart failed on web-1$/)]);
  });

  it('posts rollbacks', async () => {
    const dir = project(`[{ url: '${base}/json', format: 'json', events: ['rollback'] }]`);
    expectCode(await dplAs(['deploy:rollback'], { cwd: dir }), 0);
    expect(hits.map((h) => h.body)).toEqual([expect.objectContaining({ event: 'deploy.rollback', release: '20261121T090000Z' })]);
    expect(hits[0]!.body.text).toBe(':leftwards_arrow_with_hook: alice rolled back *airship* to 20261121T090000Z (main @ abcdef1234) on web-0, web-1');
  });

  it('reports a failure when the deploy started and the run failed without saying so', async () => {
    const dir = project(`[{ url: '${base}/json', format: 'json' }]`);
    const r = await dplAs(['deploy:crash'], { cwd: dir });
    expectCode(r, 1);
    expect(r.stderr).toMatch(/switch failed on web-1/);
    expect(hits.map((h) => h.body.event)).toEqual(['deploy.start', 'deploy.failure']);
    expect(hits[1]!.body).toMatchObject({ inferred: true, error: expect.stringContaining('switch failed on web-1') });
  });

  it('a failing webhook (500, refused, timeout) warns and never fails the deploy', async () => {
    const refused = await refusedUrl();
    const dir = project(
      `[{ url: '${base}/fail' }, { url: '${refused}' }, { url: '${base}/hang', timeoutMs: 300 }, { url: '${base}/ok', events: ['success'] }]`,
    );
    const started = Date.now();
    const r = await dplAs(['deploy'], { cwd: dir });
    expectCode(r, 0);
    expect(Date.now() - started).toBeLessThan(10_000);
    const port = new URL(base).port;
    expect(r.stdout).toContain(`warning: could not notify http://127.0.0.1:${port}/… of deploy start: HTTP 500: boom (the deploy is not affected)`);
    expect(r.stdout).toMatch(/warning: could not notify http:\/\/127\.0\.0\.1:\d+\/… of deploy success: connection refused/);
    expect(r.stdout).toMatch(/warning: could not notify http:\/\/127\.0\.0\.1:\d+\/… of deploy start: timed out after 0\.3 s/);
    expect(r.stdout).not.toContain('/fail');
    expect(hits.filter((h) => h.path === '/ok')).toHaveLength(1);
    // Warnings come before the summary, which stays the last line.
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(/^Done: 1 task/);
  });

  it('waits for webhooks in flight before exiting', async () => {
    const dir = project(`[{ url: '${base}/slow' }]`);
    const r = await dplAs(['deploy'], { cwd: dir });
    const exitedAt = Date.now();
    expectCode(r, 0);
    expect(hits).toHaveLength(2);
    for (const h of hits) expect(h.respondedAt).toBeLessThanOrEqual(exitedAt);
  });

  it('--json: warnings are JSON events and stdout stays JSON', async () => {
    const dir = project(`[{ url: '${base}/fail', events: ['start'] }]`);
    const r = await dplAs(['--json', 'deploy'], { cwd: dir });
    expectCode(r, 0);
    const events = jsonLines(r.stdout);
    expect(events).toContainEqual(expect.objectContaining({ type: 'notify.webhook', phase: 'start', state: 'failed', target: `${base}/…`, error: 'HTTP 500: boom' }));
    expect(events.some((e) => e.type === 'log')).toBe(false);
  });

  it('sends nothing on a dry run', async () => {
    const dir = project(`[{ url: '${base}/slack' }]`);
    expectCode(await dplAs(['--dry-run', 'deploy'], { cwd: dir }), 0);
    expect(hits).toHaveLength(0);
  });

  it('skips an entry whose url is unset, and refuses a bad one before running', async () => {
    expectCode(await dplAs(['deploy'], { cwd: project(`[{ url: process.env.NOT_SET_ANYWHERE }]`) }), 0);
    const r = await dplAs(['deploy'], { cwd: project(`[{ url: 'ftp://example.com/hook' }]`) });
    expectCode(r, 2);
    expect(r.stderr).toMatch(/config.notify\[0\]\.url must be an http:\/\/ or https:\/\/ URL/);
    expect(r.stdout).not.toMatch(/deploy start/);
  });
});
