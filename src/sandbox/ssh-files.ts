// Keys and client files of a sandbox: a client key authorized on every host, one
// host key per host, the known_hosts that pins them, and an ssh_config with an
// alias per host, so `ssh -F .dpl/sandbox/ssh_config web-0` works too.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { SandboxHost } from './layout.js';

export interface PublicKey {
  type: string;
  base64: string;
}

/** An ed25519 key pair at `path` and `path.pub`. */
export function keygen(sshKeygen: string, path: string, comment: string): PublicKey {
  execFileSync(sshKeygen, ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path], { stdio: ['ignore', 'ignore', 'pipe'] });
  const [type, base64] = readFileSync(`${path}.pub`, 'utf8').trim().split(/\s+/);
  return { type: type!, base64: base64! };
}

export function knownHostsText(hosts: Array<{ address: string; sshPort: number; key: PublicKey }>): string {
  return hosts.map((h) => `[${h.address}]:${h.sshPort} ${h.key.type} ${h.key.base64}`).join('\n') + '\n';
}

export function sshConfigText(o: { dir: string; hosts: SandboxHost[]; user: string; identity: string; knownHosts: string }): string {
  const lines = [
    `# dpl sandbox (${o.dir}): written by \`dpl sandbox up\`, removed by \`dpl sandbox down\`.`,
    `#   ssh -F ${o.dir}/ssh_config web-0`,
    '',
  ];
  for (const h of o.hosts) lines.push(`Host ${h.name}`, `  HostName ${h.address}`, `  Port ${h.sshPort}`, '');
  lines.push(
    'Host *',
    `  User ${o.user}`,
    `  IdentityFile ${o.identity}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${o.knownHosts}`,
    '  StrictHostKeyChecking yes',
    '  BatchMode yes',
    '  ConnectTimeout 5',
    '',
  );
  return lines.join('\n');
}

/**
 * sshd_config of one host. SetEnv gives each host its own $HOME (its tree), a PATH
 * with its `svc` and this node, and what the app needs to know about the host.
 */
export function sshdConfigText(h: SandboxHost, o: { authorizedKeys: string; user: string; env: Record<string, string> }): string {
  const env = Object.entries(o.env).map(([k, v]) => `${k}=${v}`).join(' ');
  return [
    `# dpl sandbox host ${h.name}`,
    `ListenAddress ${h.address}:${h.sshPort}`,
    `HostKey ${h.sshd.hostKey}`,
    `PidFile ${h.sshd.pidFile}`,
    `AuthorizedKeysFile ${o.authorizedKeys}`,
    'StrictModes no',
    'UsePAM no',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin no',
    `AllowUsers ${o.user}`,
    'PrintMotd no',
    'PrintLastLog no',
    'UseDNS no',
    'MaxStartups 100:30:200',
    'LogLevel INFO',
    `SetEnv ${env}`,
    'Subsystem sftp internal-sftp',
    // dpl reaches the HAProxy admin socket (streamlocal) and health endpoints (direct-tcpip) through the hosts.
    'AllowTcpForwarding yes',
    'AllowStreamLocalForwarding yes',
    'X11Forwarding no',
    '',
  ].join('\n');
}
