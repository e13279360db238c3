// The transport's interactive(): what `dpl ssh` and `-- cmd` from a terminal stand on,
// tested without a terminal. A login shell on plain pipes reads its commands from
// stdin; ForwardAgent reaches a shell as it reaches exec (a server refusing it still
// opens the shell); a pty is sized as asked; a timeout kills the session on the host.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CommandTimeoutError } from '../../src/core/errors.js';
import type { InteractiveOptions, Transport } from '../../src/transport/types.js';
import { reconfigureSshd } from '../support/bed/certs.js';
import { bedHost, bedPool, bedTemp, describeBed, scratchHost, startAgent, type ScratchHost } from '../support/bed.js';

/** Run `command` (a shell when undefined) with `input` on stdin; collect what it writes. */
async function session(t: Transport, command: string | undefined, input: string, over: Partial<InteractiveOptions> = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const r = await t.interactive!(command, { stdin: Readable.from([input]), stdout, stderr, ...over });
  return { ...r, out, err };
}

describeBed('Transport.interactive over ssh', (bed) => {
  let agent: Awaited<ReturnType<typeof startAgent>>;
  let refusing: ScratchHost;
  beforeAll(async () => {
    agent = await startAgent([bed.keys.agent]);
    refusing = await scratchHost('noagentfwd-shell');
    await reconfigureSshd(refusing, { lines: ['AllowAgentForwarding no'] });
  });
  afterAll(async () => {
    await agent?.stop();
    await refusing?.stop();
  });

  /** The bed's config with ForwardAgent yes, and an alias for the refusing host. */
  function forwardingConfig(): string {
    const file = join(bedTemp('shell-fwd-'), 'config');
    const block = `Host noagentfwd\n  HostName ${refusing.address}\n  Port ${refusing.port}\n  UserKnownHostsFile ${refusing.knownHostsFile}\n\n`;
    writeFileSync(file, `${block}Host *\n  ForwardAgent yes\n\n${readFileSync(bed.configFile, 'utf8')}`);
    return file;
  }

  it('a login shell on pipes runs what stdin says, and its exit code comes back', async () => {
    const { pool } = bedPool();
    try {
      const t = await pool.get(bedHost('web-0'));
      const r = await session(t, undefined, '[ -t 0 ] && echo tty || echo notty\necho "on-$DPL_BED_HOST"\necho oops >&2\nexit 6\n');
      expect(r).toMatchObject({ code: 6, signal: null, out: 'notty\non-web-0\n', err: 'oops\n' });
    } finally {
      await pool.closeAll();
    }
  });

  it('ForwardAgent reaches a shell; a server that refuses it still opens the shell', async () => {
    const { pool } = bedPool({ configFile: forwardingConfig(), agentSocket: agent.socket });
    try {
      const probe = 'echo "sock=${SSH_AUTH_SOCK:-unset}"; ssh-add -l 2>&1; exit 0\n';
      const ok = await session(await pool.get(bedHost('web-1')), undefined, probe);
      expect(ok.out).toMatch(/^sock=\/tmp\/ssh-/);
      expect(ok.out).toContain('dpl-bed-agent');
      const refused = await session(await pool.get(bedHost('noagentfwd')), undefined, probe);
      expect(refused.code).toBe(0);
      expect(refused.out).toMatch(/^sock=unset\n/);
    } finally {
      await pool.closeAll();
    }
  });

  it('a pty of the asked type and size; a timeout kills the command on the host', async () => {
    const { pool } = bedPool();
    try {
      const t = await pool.get(bedHost('web-2'));
      if (bed.pty) {
        const r = await session(t, 'echo "$TERM $(stty size)"', '', { pty: { term: 'vt220', rows: 33, cols: 99 } });
        expect(r.out).toBe('vt220 33 99\r\n');
      }
      const started = Date.now();
      await expect(session(t, 'sleep 30; echo late', '', { timeoutMs: 300 })).rejects.toBeInstanceOf(CommandTimeoutError);
      expect(Date.now() - started).toBeLessThan(5000);
      // The connection is still good for the next session.
      expect((await session(t, 'echo next', '')).out).toBe('next\n');
    } finally {
      await pool.closeAll();
    }
  });
});
