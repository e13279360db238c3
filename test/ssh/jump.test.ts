// Jump hosts: ProxyJump from the ssh config and the pool-wide `jump` option. The
// jump connection is an ordinary pooled connection; targets ride on forwardOut.
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ConnectionError } from '../../src/core/errors.js';
import { addressHost, bedHost, bedPool, bedTemp, describeBed, ourConnectionsTo, scratchHost, type ScratchHost } from '../support/bed.js';

describeBed('jump hosts', (bed) => {
  const bastion = bed.hosts['bastion']!;
  let inner: ScratchHost;
  let config: string;
  beforeAll(async () => {
    inner = await scratchHost('inner');
    // The bed's config plus an alias that reaches the scratch host through bastion.
    config = join(bedTemp('jump-'), 'config');
    writeFileSync(
      config,
      `Host inner\n  HostName ${inner.address}\n  Port ${inner.port}\n  ProxyJump bastion\n  UserKnownHostsFile ${inner.knownHostsFile}\n\n` +
        readFileSync(bed.configFile, 'utf8'),
    );
  });
  afterAll(() => inner.stop());

  it('reaches web-1 through bastion with ProxyJump from the config file', async () => {
    const { pool, seen } = bedPool();
    const t = await pool.get(bedHost('web-1-via-bastion'));
    expect((await t.exec('echo $DPL_BED_HOST')).stdout).toBe('web-1\n');
    const connected = seen.filter((e) => e.type === 'log' && e.message.startsWith('connected to')).map((e) => (e as { message: string }).message);
    expect(connected.some((m) => m.includes(`via bastion`))).toBe(true);
    await pool.closeAll();
  });

  it('the target rides on the pooled bastion connection, not on its own TCP connection', async () => {
    const { pool } = bedPool({ configFile: config });
    const b = await pool.get(bedHost('bastion'));
    const t = await pool.get(bedHost('inner'));
    const t2 = await pool.get({ name: 'inner-2', hostname: 'inner', vars: {} });
    await Promise.all([b.exec('true'), t.exec('true'), t2.exec('true')]);
    expect(ourConnectionsTo(bastion.address, bastion.port)).toBe(1); // one, shared by bastion's own use and the hop
    expect(ourConnectionsTo(inner.address, inner.port)).toBe(0); // we never connect to it directly...
    expect(inner.connections()).toBe(1); // ...yet it has exactly one SSH connection (from bastion's sshd)
    await pool.closeAll();
  });

  it('the `jump` option (-g) sends every host but the gateway itself through it', async () => {
    const { pool } = bedPool({ configFile: config, jump: 'bastion' });
    const web2 = bed.hosts['web-2']!;
    const t = await pool.get(addressHost(web2));
    expect((await t.exec('echo $DPL_BED_HOST')).stdout).toBe('web-2\n');
    expect(ourConnectionsTo(web2.address, web2.port)).toBe(0);
    expect((await (await pool.get(bedHost('bastion'))).exec('echo $DPL_BED_HOST')).stdout).toBe('bastion\n');
    expect(ourConnectionsTo(bastion.address, bastion.port)).toBe(1);
    await pool.closeAll();
  });

  it('an unreachable jump host fails the target with a message naming both', async () => {
    const { pool } = bedPool({ jump: 'refused' });
    const err = await pool.get(bedHost('web-2')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).toMatchObject({ host: 'web-2', code: 'connect.refused' });
    expect((err as Error).message).toBe(`jump host refused: connection refused (${bed.refused!.address}:${bed.refused!.port})`);
  });

  it('a target the jump host cannot reach is named with the jump host', async () => {
    const { pool } = bedPool({ jump: 'bastion' });
    const err = await pool.get(addressHost(bed.refused!)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).toMatchObject({ host: 'refused', code: 'connect.jump' });
    expect((err as Error).message).toMatch(new RegExp(`^jump host bastion could not reach ${bed.refused!.address.replace(/\./g, '\\.')}:${bed.refused!.port}: `));
    await pool.closeAll();
  });
});
