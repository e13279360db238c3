// The cap on open connections (--max-connections, defaults.maxConnections; issue #18):
// real sshd hosts, connections counted by the kernel (/proc/net/tcp, matched to the
// dpl process's own sockets) while tasks run on more hosts than the cap.
import { spawn } from 'node:child_process';
import { afterAll, expect, it } from 'vitest';
import { connectionsOf } from '../../src/fleet/index.js';
import { dpl, dplCommand, project } from '../helpers/cli.js';
import { bedHost, bedPool, describeBed, ourConnectionsTo } from '../support/bed.js';

const FIVE = ['web-0', 'web-1', 'web-2', 'web-3', 'web-4'];

/** Samples `count()` every few ms until stopped; returns the largest value seen. */
function sampler(count: () => number): { stop(): number } {
  let top = count();
  const t = setInterval(() => (top = Math.max(top, count())), 3);
  return {
    stop: () => {
      clearInterval(t);
      return Math.max(top, count());
    },
  };
}

describeBed('the connection cap', (bed) => {
  const targets = FIVE.map((h) => bed.hosts[h]!);
  const ours = () => targets.reduce((n, h) => n + ourConnectionsTo(h.address, h.port), 0);
  const pools: Array<{ closeAll(): Promise<void> }> = [];
  afterAll(async () => {
    for (const p of pools) await p.closeAll();
  });

  it('with a cap of 2, a command on 5 hosts at once succeeds everywhere and never holds more than 2 connections', async () => {
    const { pool, seen } = bedPool({ maxConnections: 2 });
    pools.push(pool);
    const s = sampler(ours);
    const out = await Promise.all(FIVE.map(async (h) => (await (await pool.get(bedHost(h))).exec('echo $DPL_BED_HOST; sleep 0.1')).stdout));
    expect(out).toEqual(FIVE.map((h) => `${h}\n`));
    // One connection per host: none was closed between its opening and its first command.
    const connected = () => seen.filter((e) => e.type === 'log' && e.message.startsWith('connected to')).length;
    expect(connected()).toBe(5);
    // A host whose connection was closed to make room runs its next command on a new one.
    const again = await Promise.all(FIVE.map(async (h) => (await (await pool.get(bedHost(h))).exec('echo $DPL_BED_HOST')).stdout));
    expect(again).toEqual(FIVE.map((h) => `${h}\n`));
    expect(connected()).toBeGreaterThan(5);
    expect(s.stop()).toBe(2);
    const evicted = seen.filter((e) => e.type === 'log' && e.message.startsWith('closing the idle connection'));
    expect(evicted.length).toBeGreaterThanOrEqual(3);
    await pool.closeAll();
    expect(ours()).toBe(0);
  });

  it('a busy connection is never closed for room: a long command outlives others queued behind the cap', async () => {
    const { pool } = bedPool({ maxConnections: 1 });
    pools.push(pool);
    const long = (await pool.get(bedHost('web-0'))).exec('sleep 0.4; echo done');
    const s = sampler(ours);
    const short = await Promise.all(['web-1', 'web-2'].map(async (h) => (await (await pool.get(bedHost(h))).exec('echo $DPL_BED_HOST')).stdout));
    expect((await long).stdout).toBe('done\n');
    expect(short).toEqual(['web-1\n', 'web-2\n']);
    expect(s.stop()).toBe(1);
    await pool.closeAll();
  });

  it('a jump host is kept open under the hosts riding on it, even with a cap of 1', async () => {
    const bastion = bed.hosts['bastion']!;
    const { pool, seen } = bedPool({ maxConnections: 1, jump: 'bastion' });
    pools.push(pool);
    const s = sampler(() => ourConnectionsTo(bastion.address, bastion.port));
    const out = await Promise.all(['web-0', 'web-1', 'web-2'].map(async (h) => (await (await pool.get(bedHost(h))).exec('echo $DPL_BED_HOST; sleep 0.1')).stdout));
    expect(out).toEqual(['web-0\n', 'web-1\n', 'web-2\n']);
    expect(s.stop()).toBe(1);
    expect(ours()).toBe(0); // every target rode on bastion
    const toBastion = seen.filter((e) => e.type === 'log' && e.message.startsWith('connected to ') && e.message.includes(`@${bastion.address}:${bastion.port} in `));
    expect(toBastion.length, JSON.stringify(seen.filter((e) => e.type === 'log').map((e) => (e as { message: string }).message))).toBe(1);
    await pool.closeAll();
  });

  it('the real CLI with --max-connections 2 runs a task on 5 hosts with at most 2 connections open', async () => {
    const [cmd, args] = dplCommand(['-F', bed.configFile, '-H', FIVE.join(','), '-P', '--max-connections', '2', '--', 'echo on $DPL_BED_HOST; sleep 0.1']);
    const child = spawn(cmd, args, { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stdout += b.toString()));
    const s = sampler(() => connectionsOf(child.pid!, targets));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    const top = s.stop();
    expect(code, stdout).toBe(0);
    for (const h of FIVE) expect(stdout).toContain(`on ${h}`);
    expect(top).toBeGreaterThan(0);
    expect(top).toBeLessThanOrEqual(2);
  });

  it('a cap below 1 is a usage error (exit 2), from the command line or the deployfile', () => {
    for (const n of ['0', '-3', '1.5']) {
      const r = dpl(['-F', bed.configFile, '-H', 'web-0', `--max-connections=${n}`, '--', 'true']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--max-connections must be a positive whole number/);
    }
    const dir = project(`
import { deployfile } from 'dpl-deploy';
export default deployfile({ defaults: { maxConnections: 0 }, tasks: {} });
`);
    const r = dpl(['-F', bed.configFile, '-H', 'web-0', '--', 'true'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/maxConnections must be a whole number of at least 1, got 0/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});
