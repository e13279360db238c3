// A real deploy's outcomes reach a webhook: the pipeline's 'deploy.outcome' events
// (start, success; rollback then failure when a restart fails after the switch),
// through the notifier, to an HTTP server in this process. Hosts are deploy paths
// on this machine (the in-process harness); webhook.test.ts covers the CLI wiring.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/events.js';
import { parseNotifyConfig } from '../../src/notify/config.js';
import { Notifier } from '../../src/notify/notifier.js';
import { appRepo, type AppRepo } from '../deploy/fixtures.js';
import { localReleaseProject } from '../deploy/in-process.js';

const HOSTS = ['web-0', 'web-1'];
let repo: AppRepo;
let server: Server;
let url: string;
let bodies: any[] = [];

beforeAll(async () => {
  repo = appRepo();
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (b) => (raw += b));
    req.on('end', () => {
      bodies.push(JSON.parse(raw));
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(() => {
  repo.cleanup();
  server.close();
});
beforeEach(() => {
  bodies = [];
});

/** web-0 and web-1 in the `production` environment. */
const project = () => localReleaseProject(repo, 'dpl-notify-deploy-', {}, { environment: 'production' });

/** Deploy `ref`, notifying the server in the JSON form. */
async function deploy(p: ReturnType<typeof project>, ref: string) {
  const notifier = new Notifier(parseNotifyConfig([{ url, format: 'json' }]), { events: new EventBus(), project: 'airship', dryRun: false });
  const r = await p.run(['production', `deploy:${ref}`], { onEvent: notifier.handle });
  await notifier.flush();
  return r;
}

describe('notifications from a real deploy', () => {
  it('start and success carry the release, ref, commit, hosts and environment', async () => {
    const r = await deploy(project(), 'v1.0.0');
    expect(r.error).toBeUndefined();
    const resolved = r.events.find((e) => e.type === 'deploy.resolved')!;
    expect(bodies.map((b) => b.event)).toEqual(['deploy.start', 'deploy.success']);
    const fields = { project: 'airship', release: resolved.release, ref: 'v1.0.0', tag: 'v1.0.0', sha: resolved.sha, hosts: HOSTS, environment: 'production' };
    expect(bodies[0]).toMatchObject({ ...fields, message: `deploying v1.0.0 (${resolved.sha.slice(0, 12)}) as release ${resolved.release} to web-0, web-1` });
    expect(bodies[1]).toMatchObject({ ...fields, message: `release ${resolved.release} is live on 2 hosts`, durationMs: expect.any(Number) });
    expect(bodies[1].text).toContain(`deployed *airship ${resolved.release}* (v1.0.0 @ ${resolved.sha.slice(0, 10)}) to production web-0, web-1`);
  });

  it('a restart that fails after the switch: rollback (undone, after restart) then failure with the error', async () => {
    const p = project();
    expect((await deploy(p, 'v1.0.0')).error).toBeUndefined();
    bodies = [];
    p.config.hooks = { restart: async (c, rel) => void (rel.host.name === 'web-1' && rel.ref.tag === 'v1.1.0' && (await c.run('exit 4'))) };
    const r = await deploy(p, 'v1.1.0');
    expect(r.error).toBeDefined();
    const release = r.events.find((e) => e.type === 'deploy.resolved')!.release;
    expect(bodies.map((b) => b.event)).toEqual(['deploy.start', 'deploy.rollback', 'deploy.failure']);
    expect(bodies[1]).toMatchObject({ release, data: { undo: { after: 'restart' } }, message: `switched every host back from ${release} after restart failed` });
    expect(bodies[1].text).toMatch(/rolled back \*airship\* from \d{8}T\d{6}Z \(v1\.1\.0 @ [0-9a-f]{10}\) on web-0, web-1$/);
    expect(bodies[2]).toMatchObject({ release, hosts: HOSTS, error: expect.stringContaining('restart'), environment: 'production' });
    expect(bodies[2].text).toMatch(/^:x: Deploy of \*airship \d{8}T\d{6}Z\* .* failed in \d+s: /);
  });
});
