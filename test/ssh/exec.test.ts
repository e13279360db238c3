// Commands over pooled connections against real sshd hosts (test/support bed).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { InterruptedError } from '../../src/core/errors.js';
import { bedHost, bedPool, describeBed, ourConnectionsTo, pidAlive, scratchHost, waitFor, type ScratchHost } from '../support/bed.js';

describeBed('ssh exec', (bed) => {
  const { pool } = bedPool();
  afterAll(() => pool.closeAll());

  it('returns stdout, stderr and a non-zero exit code without throwing', async () => {
    const t = await pool.get(bedHost('web-0'));
    const r = await t.exec('echo out; echo err >&2; exit 7');
    expect(r).toMatchObject({ stdout: 'out\n', stderr: 'err\n', code: 7, signal: null });
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('reports a command killed by a signal', async () => {
    const t = await pool.get(bedHost('web-0'));
    const r = await t.exec('kill -TERM $$');
    expect(r.code).toBeNull();
    expect(r.signal).toBe('SIGTERM');
  });

  it('feeds stdin and closes it', async () => {
    const t = await pool.get(bedHost('web-1'));
    expect((await t.exec('cat', { stdin: 'hello\nworld\n' })).stdout).toBe('hello\nworld\n');
    const big = Buffer.alloc(1024 * 1024, 7);
    expect((await t.exec('wc -c', { stdin: big })).stdout.trim()).toBe(String(big.length));
    // No stdin given: EOF at once, so a reader does not hang.
    expect((await t.exec('cat; echo done')).stdout).toBe('done\n');
  });

  it('streams large output through the callbacks and collects it', async () => {
    const t = await pool.get(bedHost('web-1'));
    let streamed = 0;
    const r = await t.exec("head -c 3000000 /dev/zero | tr '\\0' a; echo tail >&2", {
      onStdout: (b) => (streamed += b.length),
      onStderr: (b) => expect(b.toString()).toBe('tail\n'),
    });
    expect(r.stdout.length).toBe(3_000_000);
    expect(streamed).toBe(3_000_000);
  });

  it('gives each host its own HOME under the bed', async () => {
    const t = await pool.get(bedHost('web-3'));
    const r = await t.exec('echo "$HOME $DPL_BED_HOST"');
    expect(r.stdout.trim()).toBe(`${bed.hosts['web-3']!.root} web-3`);
  });

  it.skipIf(!bed.pty)('allocates a pty when asked', async () => {
    const t = await pool.get(bedHost('web-2'));
    const r = await t.exec('tty');
    expect(r.stdout.trim()).toBe('not a tty');
    const p = await t.exec('tty', { pty: true });
    expect(p.stdout.trim()).toMatch(/^\/dev\/pts\/\d+$/);
  });

  it('runs on 6 hosts in parallel', async () => {
    const names = ['web-0', 'web-1', 'web-2', 'web-3', 'web-4', 'web-5'];
    const start = performance.now();
    const results = await Promise.all(
      names.map(async (n) => (await pool.get(bedHost(n))).exec('sleep 1; echo $DPL_BED_HOST')),
    );
    expect(results.map((r) => r.stdout.trim())).toEqual(names);
    expect(performance.now() - start).toBeLessThan(4500); // one after the other would take 6 s
  });
});

describeBed('one connection per host', () => {
  let host: ScratchHost;
  beforeAll(async () => {
    host = await scratchHost('single');
  });
  afterAll(() => host.stop());

  it('runs 100 commands (30 of them at once) over one TCP connection', async () => {
    const { pool } = bedPool({ configFile: host.configFile });
    try {
      const a = await pool.get(bedHost('single'));
      const b = await pool.get({ name: 'single-again', hostname: 'single', vars: {} });
      for (let i = 0; i < 70; i++) expect((await a.exec(`echo ${i}`)).stdout).toBe(`${i}\n`);
      // More than OpenSSH's MaxSessions (10) at once: the pool queues channels.
      const many = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).exec(`echo ${i}; sleep 0.05`)));
      expect(many.map((r) => r.code)).toEqual(Array(30).fill(0));
      expect(host.connections()).toBe(1);
      expect(ourConnectionsTo(host.address, host.port)).toBe(1);
    } finally {
      await pool.closeAll();
    }
    await waitFor(() => host.connections() === 0);
  });

  it('Ctrl-C (the run signal) interrupts running commands, kills them and closes the pool', async () => {
    const ctl = new AbortController();
    const { pool } = bedPool({ configFile: host.configFile, signal: ctl.signal });
    const t = await pool.get(bedHost('single'));
    const pidFile = join(host.root, 'ctrl-c.pid');
    const running = t.exec(`sh -c 'echo $$ > ${pidFile}; exec sleep 30'`);
    await waitFor(() => {
      try {
        return readFileSync(pidFile, 'utf8').trim().length > 0;
      } catch {
        return false;
      }
    });
    const pid = Number(readFileSync(pidFile, 'utf8'));
    ctl.abort();
    await expect(running).rejects.toBeInstanceOf(InterruptedError);
    await waitFor(() => !pidAlive(pid));
    await waitFor(() => host.connections() === 0);
    await expect(pool.get(bedHost('single'))).rejects.toBeInstanceOf(InterruptedError);
  });
});
