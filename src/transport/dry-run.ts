// The dry-run backend (as in SSHKit): every command "succeeds" with empty output
// and nothing is sent anywhere. The Context still emits command events, so the
// reporter prints each host's commands as the plan.
import type { Duplex } from 'node:stream';
import type { Host } from '../core/host.js';
import { HostError } from '../core/errors.js';
import type { ExecResult, GetOptions, SocketTarget, TransferResult, Transport } from './types.js';
import { describeTarget } from './local.js';

export class DryRunTransport implements Transport {
  readonly kind = 'dry-run' as const;
  constructor(readonly host: Host) {}

  async exec(): Promise<ExecResult> {
    return { stdout: '', stderr: '', code: 0, signal: null, durationMs: 0 };
  }

  async put(localPath: string, remotePath: string): Promise<TransferResult> {
    return { local: localPath, remote: remotePath, bytes: 0, files: 0 };
  }

  async get(remotePath: string, localPath: string, _options?: GetOptions): Promise<TransferResult> {
    return { local: localPath, remote: remotePath, bytes: 0, files: 0 };
  }

  async connect(target: SocketTarget): Promise<Duplex> {
    throw new HostError(this.host.name, `dry run: would connect to ${describeTarget(target)}; this step needs live state`, { code: 'dry-run.live-state' });
  }
}
