// ProxyCommand from the ssh config: the command's stdio carries the SSH stream
// (socat here); tokens are expanded and checked; a dying command is named in the error.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConnectionError, UsageError } from '../../src/core/errors.js';
import { expandProxyCommand } from '../../src/ssh/proxy-command.js';
import { bedHost, bedPool, bedTemp, describeBed } from '../support/bed.js';

describe('expandProxyCommand', () => {
  const t = { hostname: '10.0.0.5', port: 2222, user: 'deploy', alias: 'db' };
  it('expands %h %p %r %n and %%', () => {
    expect(expandProxyCommand('ssh -W %h:%p -l %r jump # %n 100%%', t)).toBe('ssh -W 10.0.0.5:2222 -l deploy jump # db 100%');
  });
  it('refuses names the shell would read as syntax', () => {
    expect(() => expandProxyCommand('nc %h %p', { ...t, hostname: 'x;rm -rf ~' })).toThrow(UsageError);
    expect(() => expandProxyCommand('nc %h %p', { ...t, user: '$(id)' })).toThrow(/unsafe in a ProxyCommand/);
  });
});

const SOCAT = ['/usr/bin/socat', '/bin/socat'].find((p) => existsSync(p));

describeBed('ProxyCommand', (bed) => {
  const web = bed.hosts['web-3']!;
  const config = (command: string): string => {
    const file = join(bedTemp('proxycmd-'), 'config');
    writeFileSync(
      file,
      `Host through-proxy\n  HostName ${web.address}\n  Port ${web.port}\n  ProxyCommand ${command}\n  UserKnownHostsFile ${bed.knownHostsFile}\n\n` +
        readFileSync(bed.configFile, 'utf8'),
    );
    return file;
  };

  it.skipIf(!SOCAT)('connects through the command’s stdin/stdout', async () => {
    const { pool, seen } = bedPool({ configFile: config(`${SOCAT} - TCP:%h:%p`) });
    const t = await pool.get(bedHost('through-proxy'));
    expect((await t.exec('echo $DPL_BED_HOST')).stdout).toBe('web-3\n');
    expect(seen.some((e) => e.type === 'log' && e.message.startsWith('connected to'))).toBe(true);
    await pool.closeAll();
  });

  it('a command that dies is named, with its exit status and stderr', async () => {
    // ssh runs `exec <command>`: a compound command needs its own shell, as with ssh.
    const { pool } = bedPool({ configFile: config(`sh -c 'echo "no route to %h" >&2; exit 7'`) });
    const err = await pool.get(bedHost('through-proxy')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toMatch(new RegExp(`ProxyCommand \`sh -c 'echo "no route to ${web.address.replace(/\./g, '\\.')}" >&2; exit 7'\` exited 7: no route to`));
    await pool.closeAll();
  });
});
