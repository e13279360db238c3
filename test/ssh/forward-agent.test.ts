// ForwardAgent: the host sees the local ssh-agent only when the config asks for
// it, as with ssh; a server that refuses forwarding still runs commands; a host
// whose key was let through unverified gets no agent.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { reconfigureSshd } from '../support/bed/certs.js';
import { bedHost, bedPool, bedTemp, describeBed, scratchHost, startAgent, type BedInfo, type ScratchHost } from '../support/bed.js';
import { openssh } from '../helpers/openssh.js';
import { warningsOf } from '../helpers/words.js';

const AGENT_PROBE = 'echo "sock=${SSH_AUTH_SOCK:-unset}"; ssh-add -l 2>&1; true';

describeBed('ForwardAgent', (bed: BedInfo) => {
  let agent: Awaited<ReturnType<typeof startAgent>>;
  let refusing: ScratchHost;
  const agentComment = 'dpl-bed-agent';
  beforeAll(async () => {
    agent = await startAgent([bed.keys.agent]);
    refusing = await scratchHost('noagentfwd');
    await reconfigureSshd(refusing, { lines: ['AllowAgentForwarding no'] });
  });
  afterAll(async () => {
    await agent.stop();
    await refusing.stop();
  });

  /** The bed's config with `lines` first under `Host *` (ssh keeps the first value). */
  function config(lines: string[], extra = ''): string {
    const file = join(bedTemp('fwd-'), 'config');
    writeFileSync(file, `${extra}Host *\n${lines.map((l) => `  ${l}\n`).join('')}\n${readFileSync(bed.configFile, 'utf8')}`);
    return file;
  }

  async function probe(cfg: string, host = bedHost('web-0'), over: Parameters<typeof bedPool>[0] = {}): Promise<string> {
    const { pool } = bedPool({ configFile: cfg, agentSocket: agent.socket, ...over });
    try {
      return (await (await pool.get(host)).exec(AGENT_PROBE)).stdout;
    } finally {
      await pool.closeAll();
    }
  }

  it('with ForwardAgent yes, a remote ssh-add -l lists the local agent’s key, as with ssh', async () => {
    const cfg = config(['ForwardAgent yes']);
    const out = await probe(cfg);
    expect(out).toMatch(/^sock=\/tmp\/ssh-/);
    expect(out).toContain(agentComment);
    const r = openssh(cfg, 'web-0', { command: AGENT_PROBE, agent: agent.socket });
    expect(r.stdout).toContain(agentComment);
  });

  it('every command of the connection gets the agent, also several at once', async () => {
    const { pool } = bedPool({ configFile: config(['ForwardAgent yes']), agentSocket: agent.socket });
    const t = await pool.get(bedHost('web-1'));
    const outs = await Promise.all([1, 2, 3].map(() => t.exec(AGENT_PROBE)));
    await pool.closeAll();
    for (const o of outs) expect(o.stdout).toContain(agentComment);
  });

  it('without ForwardAgent (or with ForwardAgent no) the host sees no agent, as with ssh', async () => {
    for (const cfg of [config([]), config(['ForwardAgent no'])]) {
      expect(await probe(cfg)).toMatch(/^sock=unset\n/);
      expect(openssh(cfg, 'web-0', { command: AGENT_PROBE, agent: agent.socket }).stdout).toMatch(/^sock=unset\n/);
    }
  });

  it('a server that refuses forwarding (AllowAgentForwarding no) still runs the commands, as with ssh', async () => {
    const block = `Host noagentfwd\n  HostName ${refusing.address}\n  Port ${refusing.port}\n  UserKnownHostsFile ${refusing.knownHostsFile}\n\n`;
    const cfg = config(['ForwardAgent yes'], block);
    const { pool } = bedPool({ configFile: cfg, agentSocket: agent.socket });
    const t = await pool.get(bedHost('noagentfwd'));
    expect((await t.exec(AGENT_PROBE)).stdout).toMatch(/^sock=unset\n/);
    expect((await t.exec('echo again')).stdout).toBe('again\n');
    await pool.closeAll();
    const r = openssh(cfg, 'noagentfwd', { command: AGENT_PROBE, agent: agent.socket });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^sock=unset\n/);
  });

  it('a host whose changed key was let through (insecureIgnoreHostKeys) gets no agent', async () => {
    const imposter = bed.hosts['imposter']!;
    const cfg = config(['ForwardAgent yes']);
    const { pool, seen } = bedPool({ configFile: cfg, agentSocket: agent.socket, insecureIgnoreHostKeys: true });
    const t = await pool.get(bedHost('imposter'));
    expect((await t.exec(AGENT_PROBE)).stdout).toMatch(/^sock=unset\n/);
    await pool.closeAll();
    const off = seen.flatMap((e) => (e.type === 'ssh.agent-off' ? [e] : []));
    expect(off.some((e) => e.label.includes(imposter.address))).toBe(true);
    expect(warningsOf(off).some((w) => w.startsWith('agent forwarding to ') && w.endsWith('is off: its host key was not verified'))).toBe(true);
    // ssh, with StrictHostKeyChecking no, connects too, and cancels forwarding the same way.
    const r = openssh(cfg, 'imposter', { command: AGENT_PROBE, agent: agent.socket, options: ['StrictHostKeyChecking=no'] });
    expect(r.stderr).toContain('Agent forwarding is disabled to avoid man-in-the-middle attacks');
    expect(r.stdout).toMatch(/^sock=unset\n/);
  });
});
