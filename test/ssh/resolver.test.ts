// HostResolver: settings computed once, prefetch for warm connects (direct hosts
// only, errors kept for get()), routes through jump hosts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Host } from '../../src/core/host.js';
import { UsageError } from '../../src/core/errors.js';
import { HostResolver } from '../../src/ssh/resolver.js';

const dir = mkdtempSync(join(tmpdir(), 'dpl-resolver-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const config = join(dir, 'config');
writeFileSync(config, 'Host a\n  HostName 127.0.0.1\n  Port 2201\nHost b\n  ProxyJump a\nHost bad\n  HostName bad-%z\nHost *\n  User deploy\n');
const host = (name: string): Host => ({ name, hostname: name, vars: {} }) as Host;

describe('HostResolver', () => {
  it('prefetch resolves in one go, calls back for direct hosts only, and settings() reuses the result', async () => {
    const r = new HostResolver({ configFile: config });
    const direct: string[] = [];
    const batch = r.prefetch([host('a'), host('b'), host('bad')], (s) => direct.push(`${s.user}@${s.hostname}:${s.port}`));
    const a = r.settings('a', {});
    await batch;
    expect(direct).toEqual(['deploy@127.0.0.1:2201']);
    expect(await a).toBe(await r.settings('a', {}));
    await expect(r.settings('bad', {})).rejects.toThrow(UsageError);
    expect((await r.route(host('b'))).key).toBe('deploy@b:22 via deploy@127.0.0.1:2201');
  });

  it('a second prefetch reuses settings and still reports direct hosts', async () => {
    const r = new HostResolver({ configFile: config });
    const first = r.settings('a', {});
    const direct: string[] = [];
    await r.prefetch([host('a')], (s) => direct.push(s.hostname));
    expect(direct).toEqual(['127.0.0.1']);
    expect(await r.settings('a', {})).toBe(await first);
  });

  it('builds each host\'s route once: every task asks again for the same host', async () => {
    const r = new HostResolver({ configFile: config });
    const first = await r.route(host('b'));
    expect(await r.route(host('b'))).toBe(first);
    // Another name, user or port for the same address is another route.
    const other = await r.route({ ...host('b'), name: 'b-again' } as Host);
    expect(other).not.toBe(first);
    expect(other.display).toBe('b-again');
    expect((await r.route({ ...host('b'), user: 'ops' } as Host)).key).toBe('ops@b:22 via deploy@127.0.0.1:2201');
    expect((await r.route({ ...host('b'), port: 2222 } as Host)).key).toBe('deploy@b:2222 via deploy@127.0.0.1:2201');
    await expect(r.route(host('bad'))).rejects.toThrow(UsageError);
  });

  it('with a gateway (-g) nothing is direct', async () => {
    const r = new HostResolver({ configFile: config, jump: 'gw.example:2222' });
    const direct: string[] = [];
    await r.prefetch([host('a')], (s) => direct.push(s.hostname));
    expect(direct).toEqual([]);
    expect((await r.route(host('a'))).key).toBe('deploy@127.0.0.1:2201 via deploy@gw.example:2222');
  });
});
