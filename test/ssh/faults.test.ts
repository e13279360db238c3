// Failure modes with real faults: refused ports, silent servers, sshd killed
// mid-command, timeouts that must kill the remote process, dead cached connections.
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CommandTimeoutError, ConnectionError, HostKeyError } from '../../src/core/errors.js';
import { sudoCommand, sudoMarkers } from '../../src/transport/sudo-protocol.js';
import {
  addressHost,
  bedHost,
  bedPool,
  describeBed,
  pidAlive,
  scratchHost,
  waitFor,
  type ScratchHost,
} from '../support/bed.js';
import { readPid } from '../../src/fleet/procs.js';


describeBed('connection failures', (bed) => {
  it('a refused port is a ConnectionError naming the host, the address and the reason', async () => {
    const { pool } = bedPool();
    const err = await pool.get(bedHost('refused')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).not.toBeInstanceOf(HostKeyError);
    const r = bed.refused!;
    expect(err).toMatchObject({ host: 'refused', code: 'connect.refused' });
    expect((err as Error).message).toBe(`connection refused (${r.address}:${r.port})`);
    expect((err as ConnectionError).host).toBe('refused');
    expect((err as ConnectionError).hint).toMatch(/sshd running/);
  });

  it('a server that accepts but never speaks SSH hits the connect timeout', async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.10.99', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const { pool } = bedPool({ connectTimeoutMs: 400 });
      const started = Date.now();
      const err = await pool.get(addressHost({ name: 'silent', address: '127.0.10.99', port })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectionError);
      expect(err).toMatchObject({ host: 'silent', code: 'connect.timeout' });
      expect((err as Error).message).toBe(`connection timed out after 0.4 s (127.0.10.99:${port})`);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      silent.close();
    }
  });
});

describeBed('command timeouts', (bed) => {
  const { pool } = bedPool();
  afterAll(() => pool.closeAll());

  it('kills the timed-out command on the host, not just abandons it', async () => {
    const t = await pool.get(bedHost('web-4'));
    const pidFile = join(bed.hosts['web-4']!.root, `timeout-${process.pid}.pid`);
    rmSync(pidFile, { force: true });
    const started = Date.now();
    const err = await t.exec(`sh -c 'echo $$ > ${pidFile}; exec sleep 60'`, { timeoutMs: 700 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandTimeoutError);
    expect(err).toMatchObject({ host: 'web-4', code: 'command.timeout' });
    expect((err as Error).message).toMatch(/^command timed out after 700 ms and was killed on the host: sh -c/);
    expect(Date.now() - started).toBeLessThan(5000);
    const pid = readPid(pidFile);
    expect(pid).not.toBeNull();
    await waitFor(() => !pidAlive(pid!), 2000);
    // The connection is still good for the next command.
    expect((await t.exec('echo alive')).stdout).toBe('alive\n');
  });

  it('applies the pool-wide commandTimeoutMs; ExecOptions.timeoutMs wins', async () => {
    const { pool: p2 } = bedPool({ commandTimeoutMs: 300 });
    try {
      const t = await p2.get(bedHost('web-4'));
      await expect(t.exec('sleep 20')).rejects.toBeInstanceOf(CommandTimeoutError);
      expect((await t.exec('sleep 0.5; echo ok', { timeoutMs: 5000 })).stdout).toBe('ok\n');
      // A fast command under a timeout keeps its output clean (the pid marker is stripped).
      const r = await t.exec('echo out; echo err >&2');
      expect(r).toMatchObject({ stdout: 'out\n', stderr: 'err\n', code: 0 });
    } finally {
      await p2.closeAll();
    }
  });

  it('kills a timed-out command running under sudo (root-owned process)', async (ctx) => {
    if (!bed.sudo.passwordless) ctx.skip(bed.sudo.skipReason ?? 'no sudo');
    const t = await pool.get(bedHost('web-5'));
    const pidFile = join(bed.hosts['web-5']!.root, `sudo-timeout-${process.pid}.pid`);
    rmSync(pidFile, { force: true });
    const markers = sudoMarkers();
    const cmd = sudoCommand(`echo $$ > ${pidFile}; exec sleep 60`, markers);
    const sudo = { ...markers, password: async () => 'unused' };
    await expect(t.exec(cmd, { timeoutMs: 700, sudo })).rejects.toBeInstanceOf(CommandTimeoutError);
    const pid = readPid(pidFile);
    expect(pid).not.toBeNull();
    await waitFor(() => !pidAlive(pid!), 3000);
  });
});

describeBed('hosts that die', () => {
  let victim: ScratchHost;
  beforeAll(async () => {
    victim = await scratchHost('victim');
  });
  afterAll(() => victim.stop());

  it('sshd killed mid-command: ConnectionError naming the host, while other hosts finish', async () => {
    await victim.restart();
    const { pool: vp } = bedPool({ configFile: victim.configFile });
    const { pool } = bedPool();
    try {
      const v = await vp.get(bedHost('victim'));
      const others = await Promise.all(['web-0', 'web-1', 'web-2'].map((n) => pool.get(bedHost(n))));
      const dying = v.exec('sleep 10; echo never').catch((e: unknown) => e);
      const fine = others.map((t) => t.exec('sleep 1; echo $DPL_BED_HOST'));
      await new Promise((r) => setTimeout(r, 300));
      await victim.kill();
      const err = await dying;
      expect(err).toBeInstanceOf(ConnectionError);
      expect((err as Error).message).toMatch(/^connection lost while running `sleep 10; echo never`: /);
      expect(err).toMatchObject({ host: 'victim', code: 'connect.lost' });
      const done = await Promise.all(fine);
      expect(done.map((r) => r.stdout.trim())).toEqual(['web-0', 'web-1', 'web-2']);
    } finally {
      await vp.closeAll();
      await pool.closeAll();
    }
  });

  it('reconnects once, transparently, when the cached connection died between commands', async () => {
    await victim.restart();
    const { pool, seen } = bedPool({ configFile: victim.configFile });
    try {
      const t = await pool.get(bedHost('victim'));
      expect((await t.exec('echo first')).stdout).toBe('first\n');
      await victim.kill();
      await victim.restart();
      expect((await t.exec('echo second')).stdout).toBe('second\n');
      expect(victim.connections()).toBe(1);
      const logs = seen.filter((e) => e.type === 'log').map((e) => (e as { message: string }).message);
      expect(logs.some((m) => /^reconnecting to /.test(m))).toBe(true);
      // Dead and not coming back: one attempt, then a clear error.
      await victim.kill();
      const err = await t.exec('echo third').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectionError);
      expect((err as ConnectionError).host).toBe('victim');
      expect((err as Error).message).toBe(`connection refused (${victim.address}:${victim.port})`);
    } finally {
      await pool.closeAll();
      await victim.restart();
    }
  });
});
