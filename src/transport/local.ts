// Runs commands on this machine with /bin/sh, for tasks with no hosts and `c.local`.
import { spawn } from 'node:child_process';
import { chmod, cp, mkdir, rename, stat, readdir } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import { dirname, join } from 'node:path';
import type { Host } from '../core/host.js';
import type { ExecOptions, ExecResult, GetOptions, SocketTarget, TransferResult, Transport } from './types.js';
import { CommandTimeoutError, HostError } from '../core/errors.js';
import { SudoStream, type SudoStdin } from './sudo-protocol.js';

export const LOCAL_HOST: Host = { name: 'local', hostname: 'localhost', vars: {} };

export class LocalTransport implements Transport {
  readonly kind = 'local' as const;
  constructor(readonly host: Host = LOCAL_HOST) {}

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const started = performance.now();
    // detached: own process group, so a timeout kills the whole pipeline.
    const child = spawn('/bin/sh', ['-c', command], { stdio: 'pipe', detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const stdin: SudoStdin & { open: boolean } = {
      open: true,
      write(data) {
        if (stdin.open) child.stdin.write(data);
      },
      end(data) {
        if (!stdin.open) return;
        stdin.open = false;
        child.stdin.end(data);
      },
    };
    child.stdin.on('error', () => {});
    // No pty here: sudo prompts on stderr, so only stderr passes the sudo exchange.
    const sudo = options.sudo ? new SudoStream(options.sudo, stdin, options.stdin) : undefined;
    const pipe = (stream: 0 | 1, chunk: Buffer): void => {
      if (!chunk.length) return;
      (stream === 0 ? out : err).push(chunk);
      (stream === 0 ? options.onStdout : options.onStderr)?.(chunk);
    };
    child.stdout.on('data', (b: Buffer) => pipe(0, b));
    child.stderr.on('data', (b: Buffer) => pipe(1, sudo ? sudo.push(b) : b));
    if (options.stdinStream && !sudo) {
      stdin.open = false;
      options.stdinStream.on('error', () => child.stdin.end());
      options.stdinStream.pipe(child.stdin);
    } else if (!sudo) stdin.end(options.stdin);

    return new Promise((resolve, reject) => {
      let timedOut = false;
      const kill = (): void => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      };
      const timer = options.timeoutMs
        ? setTimeout(() => {
            timedOut = true;
            kill();
          }, options.timeoutMs)
        : undefined;
      const onAbort = (): void => kill();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(new HostError(this.host.name, `could not start /bin/sh: ${e.message}`, { code: 'command.channel' }));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (sudo) pipe(1, sudo.flush());
        options.signal?.removeEventListener('abort', onAbort);
        if (timedOut) {
          reject(
            new CommandTimeoutError(this.host.name, `command timed out after ${options.timeoutMs} ms and was killed: ${command}`),
          );
          return;
        }
        resolve({
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          code,
          signal,
          durationMs: performance.now() - started,
        });
      });
    });
  }

  async put(localPath: string, remotePath: string, options: { mode?: number } = {}): Promise<TransferResult> {
    return copyAtomically(localPath, remotePath, options.mode);
  }

  async get(remotePath: string, localPath: string, _options?: GetOptions): Promise<TransferResult> {
    const r = await copyAtomically(remotePath, localPath);
    return { ...r, local: localPath, remote: remotePath };
  }

  connect(target: SocketTarget): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const sock = 'path' in target ? netConnect(target.path) : netConnect(target.port, target.host);
      sock.once('connect', () => resolve(sock));
      sock.once('error', (e) =>
        reject(new HostError(this.host.name, `cannot connect to ${describeTarget(target)}: ${e.message}`, { code: 'connect.failed' })),
      );
    });
  }
}

export function describeTarget(t: SocketTarget): string {
  return 'path' in t ? t.path : `${t.host}:${t.port}`;
}

async function copyAtomically(from: string, to: string, mode?: number): Promise<TransferResult> {
  const tmp = join(dirname(to), `.${process.pid}.${Date.now()}.dpl-tmp`);
  await mkdir(dirname(to), { recursive: true });
  await cp(from, tmp, { recursive: true, preserveTimestamps: true });
  if (mode !== undefined) await chmod(tmp, mode);
  await rename(tmp, to);
  const { bytes, files } = await measure(to);
  return { local: from, remote: to, bytes, files };
}

async function measure(path: string): Promise<{ bytes: number; files: number }> {
  const s = await stat(path);
  if (!s.isDirectory()) return { bytes: s.size, files: 1 };
  let bytes = 0;
  let files = 0;
  for (const entry of await readdir(path)) {
    const m = await measure(join(path, entry));
    bytes += m.bytes;
    files += m.files;
  }
  return { bytes, files };
}
