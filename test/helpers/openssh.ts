// The real OpenSSH client, for differential tests: given the same ssh_config and
// known_hosts, dpl must connect exactly when `ssh` does.
import { spawn, spawnSync } from 'node:child_process';

export interface SshRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `ssh -F config [-o opt]... host command`, never interactive, no global
 * known_hosts, and no agent unless `agent` names one.
 */
export function openssh(configFile: string, host: string, o: SshOptions = {}): SshRun {
  const [args, env] = invocation(configFile, host, o);
  const r = spawnSync('ssh', args, { encoding: 'utf8', env, timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** openssh() without blocking this process: for servers that run in it (ssh2's server API). */
export function opensshAsync(configFile: string, host: string, o: SshOptions = {}): Promise<SshRun> {
  const [args, env] = invocation(configFile, host, o);
  return new Promise((resolve) => {
    const child = spawn('ssh', args, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface SshOptions {
  options?: string[];
  command?: string;
  agent?: string;
}

function invocation(configFile: string, host: string, o: SshOptions): [string[], NodeJS.ProcessEnv] {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['SSH_AUTH_SOCK'];
  if (o.agent) env['SSH_AUTH_SOCK'] = o.agent;
  const args = ['-F', configFile, '-o', 'BatchMode=yes', '-o', 'GlobalKnownHostsFile=/dev/null'];
  for (const opt of o.options ?? []) args.push('-o', opt);
  return [[...args, host, o.command ?? 'true'], env];
}
