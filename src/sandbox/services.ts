// The app processes are started the way a deploy starts them: over SSH, as the
// login user, by the host's own `svc`. That also proves, before `up` says so, that
// every host takes the sandbox's key and matches its pinned host key.
import { DplError } from '../core/errors.js';
import { EventBus } from '../core/events.js';
import { sh } from '../core/quote.js';
import type { Prompter } from '../core/context-types.js';
import type { SandboxInfo } from './layout.js';

const noPrompts: Prompter = {
  interactive: false,
  secret: async (key) => {
    throw new DplError(`the sandbox asked for a secret (${key}); its hosts take its key without one`, { code: 'sandbox.failed' });
  },
  confirm: async () => false,
};

/** Run `command(host)` on every sandbox host (but the LB) over SSH; throws naming each host that failed. */
export async function onHosts(info: SandboxInfo, command: (services: string[]) => string | undefined): Promise<Map<string, string>> {
  const { createSshPool } = await import('../ssh/pool.js');
  const pool = createSshPool({
    configFile: info.ssh.sshConfig,
    knownHostsFile: info.ssh.knownHosts,
    agentSocket: null,
    events: new EventBus(),
    prompter: noPrompts,
    connectTimeoutMs: 10_000,
  });
  const out = new Map<string, string>();
  const failures: string[] = [];
  try {
    await Promise.all(
      Object.values(info.hosts).map(async (h) => {
        const cmd = command(h.services);
        if (!cmd) return;
        try {
          const t = await pool.get({ name: h.name, hostname: h.address, port: h.sshPort, user: info.user, vars: {} });
          const r = await t.exec(cmd, { timeoutMs: 20_000 });
          out.set(h.name, (r.stdout + r.stderr).trim());
          if (r.code !== 0) failures.push(`${h.name}: exit ${r.code}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ')}`);
        } catch (e) {
          failures.push(`${h.name}: ${(e as Error).message}`);
        }
      }),
    );
  } finally {
    await pool.closeAll();
  }
  if (failures.length) throw new DplError(`sandbox hosts failed:\n  ${failures.join('\n  ')}`, { code: 'sandbox.failed', hint: `sshd logs: ${info.dir}/sshd/<host>/sshd.log` });
  return out;
}

/** `svc start` each host's services (airship on web hosts, worker on celery, both on training). */
export async function startServices(info: SandboxInfo): Promise<void> {
  await onHosts(info, (services) => (services.length ? sh`svc start ${services}` : 'true'));
}
