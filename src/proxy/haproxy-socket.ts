// The HAProxy runtime API: one line of `;`-separated commands per connection,
// answers read until HAProxy closes. Each command's answer ends with an empty
// line. The stream comes from `Transport.connect`, so over SSH it is the admin
// socket on the LB host (streamlocal forwarding), locally a plain net.connect.
import type { Duplex } from 'node:stream';
import { HostError } from '../core/errors.js';
import type { Host } from '../core/host.js';
import type { SocketTarget, Transport } from '../transport/types.js';

export interface SocketOptions {
  lb: Host;
  target: SocketTarget;
  timeoutMs: number;
  transport: () => Promise<Transport>;
}

export function describeSocket(target: SocketTarget): string {
  return 'path' in target ? `admin socket ${target.path}` : `runtime API at ${target.host}:${target.port}`;
}

/** Send commands on one connection; returns one answer per command (trailing newline removed). */
export async function haproxyCommands(o: SocketOptions, commands: readonly string[]): Promise<string[]> {
  for (const cmd of commands) {
    if (/[;\n\r]/.test(cmd)) throw new TypeError(`HAProxy command must be one command: ${JSON.stringify(cmd)}`);
  }
  const where = `${describeSocket(o.target)} on ${o.lb.name}`;
  // Not reaching the LB host at all is the transport's error (ConnectionError), kept as is.
  const transport = await o.transport();
  let stream: Duplex;
  try {
    stream = await transport.connect(o.target);
  } catch (e) {
    throw new HostError(o.lb.name, `cannot reach the HAProxy ${describeSocket(o.target)}: ${reason(e, o.lb)}`, {
      code: 'proxy.unreachable',
      cause: e,
      hint:
        'is haproxy running there, and does haproxy.cfg have `stats socket <path> mode 660 level admin` at that path ' +
        '(readable by the user dpl logs in as)? Set proxy config `haproxy.socket`, or `haproxy.tcp` for a TCP runtime API.',
    });
  }
  const text = await exchange(stream, commands.join('; ') + '\n', o.timeoutMs, where, o.lb);
  return splitAnswers(text, commands.length);
}

function exchange(stream: Duplex, line: string, timeoutMs: number, where: string, lb: Host): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stream.destroy();
      if (err) reject(err);
      else resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const timer = setTimeout(
      () => finish(new HostError(lb.name, `no complete answer from the HAProxy ${where} within ${timeoutMs} ms`, {
        code: 'proxy.unreachable',
        hint: 'haproxy may be overloaded or stuck; try `echo "show info" | socat stdio <socket>` on the LB host',
      })),
      timeoutMs,
    );
    stream.on('data', (b: Buffer) => chunks.push(b));
    stream.once('end', () => finish());
    stream.once('close', () => finish());
    stream.once('error', (e) => finish(new HostError(lb.name, `HAProxy ${where} failed: ${e.message}`, { code: 'proxy.unreachable', cause: e })));
    stream.write(line);
  });
}

/**
 * Answers are separated by one empty line. Help texts (after "Unknown command") can
 * hold empty lines too, so surplus pieces are folded into the last answer.
 */
export function splitAnswers(text: string, count: number): string[] {
  const pieces: string[] = [];
  let current: string[] = [];
  for (const line of text.replace(/\n$/, '').split('\n')) {
    if (line === '' && pieces.length < count - 1) {
      pieces.push(current.join('\n'));
      current = [];
    } else current.push(line);
  }
  pieces.push(current.join('\n').replace(/\n+$/, ''));
  while (pieces.length < count) pieces.push('');
  return pieces;
}

function reason(e: unknown, lb: Host): string {
  const bare = (e instanceof Error ? e.message : String(e)).replace(/^cannot connect to \S+: /, '');
  if (/ENOENT/.test(bare)) return `no such socket (${bare})`;
  if (/EACCES/.test(bare)) return `permission denied (${bare}); the socket's mode/group must let the login user in`;
  return bare;
}
