// The real OpenSSH client, for differential tests: given the same ssh_config and
// known_hosts, dpl must connect exactly when `ssh` does.
import { spawnSync } from 'node:child_process';

export interface SshRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `ssh -F config [-o opt]... host command`, never interactive, no global
 * known_hosts, and no agent unless `agent` names one.
 */
export function openssh(configFile: string, host: string, o: { options?: string[]; command?: string; agent?: string } = {}): SshRun {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['SSH_AUTH_SOCK'];
  if (o.agent) env['SSH_AUTH_SOCK'] = o.agent;
  const args = ['-F', configFile, '-o', 'BatchMode=yes', '-o', 'GlobalKnownHostsFile=/dev/null'];
  for (const opt of o.options ?? []) args.push('-o', opt);
  const r = spawnSync('ssh', [...args, host, o.command ?? 'true'], { encoding: 'utf8', env, timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
