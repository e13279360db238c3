// OpenSSH's ProxyCommand: the command's stdin/stdout carry the SSH stream (e.g.
// `socat - TCP:%h:%p`, `aws ssm start-session ...`). It runs as ssh runs it,
// `exec <command>` under $SHELL (else /bin/sh); the tokens put into it are checked
// first, since they are not quoted.
import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';
import { UsageError } from '../core/errors.js';
import { percentExpand } from './config/expand.js';

export interface ProxyTokens {
  hostname: string;
  port: number;
  user: string;
  alias: string;
  /** HostKeyAlias, when set (%k; the alias otherwise). */
  keyAlias?: string;
}

// What ssh(1) accepts in a host name it hands to a ProxyCommand, plus [] for IPv6.
const SAFE = /^[A-Za-z0-9._:@[\]-]+$/;

/** The command with %h %p %r %n %% expanded; refuses names that the shell would read as syntax. */
export function expandProxyCommand(command: string, t: ProxyTokens): string {
  for (const [what, v] of [['host name', t.hostname], ['user', t.user], ['host alias', t.alias]] as const) {
    if (!SAFE.test(v)) throw new UsageError(`${what} ${JSON.stringify(v)} has characters that are unsafe in a ProxyCommand`, { code: 'ssh-config.invalid' });
  }
  return percentExpand(command, { h: () => t.hostname, k: () => t.keyAlias ?? t.alias, n: () => t.alias, p: () => String(t.port), r: () => t.user }, 'ProxyCommand');
}

export interface ProxyStream {
  stream: Duplex;
  /** Why the command ended (exit status and the end of its stderr), if it ends within `ms`. */
  ended(ms: number): Promise<string | undefined>;
}

/** Start the command; its stdio becomes the connection's stream, killed when the stream closes. */
export function spawnProxyCommand(command: string, onStderr: (line: string) => void): ProxyStream {
  const child = spawn(process.env['SHELL'] || '/bin/sh', ['-c', `exec ${command}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
    for (const line of d.toString().split('\n')) if (line.trim()) onStderr(line);
  });
  // 'close', not 'exit': the command's last stderr line may still be unread when it exits.
  const exited = new Promise<string>((resolve) =>
    child.on('close', (code, signal) => {
      const tail = stderr.trim().split('\n').pop();
      resolve(`ProxyCommand \`${command}\` exited ${code ?? signal}${tail ? `: ${tail}` : ''}`);
    }),
  );
  const stream = Duplex.from({ readable: child.stdout, writable: child.stdin });
  stream.on('error', () => undefined); // the SSH layer reports the connection loss
  stream.once('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  });
  child.on('error', (err) => stream.destroy(err));
  const ended = (ms: number): Promise<string | undefined> =>
    Promise.race([exited, new Promise<undefined>((r) => void setTimeout(() => r(undefined), ms).unref())]);
  return { stream, ended };
}
