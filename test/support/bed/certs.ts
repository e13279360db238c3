// Keys of any type, certificate authorities and certificates (real ssh-keygen), and
// scratch sshds restarted with other host keys, host certificates or extra
// sshd_config lines: the host-key-type, certificate, ssh-rsa and agent-forwarding
// tests need servers the shared bed hosts must not become.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keygen, killSshd, startSshd, type KeyPair } from '../../../src/fleet/index.js';
import type { BedHost } from './types.js';

export type MadeKey = KeyPair;

/** A key pair at `path` (and `path.pub`) of `type` (ed25519, ecdsa, rsa). */
export function makeKey(path: string, o: { type?: 'ed25519' | 'ecdsa' | 'rsa'; bits?: number; comment?: string } = {}): MadeKey {
  return keygen(path, { comment: 'dpl-bed-cert-test', ...o });
}

/**
 * Sign `pubPath` with `ca` (a makeKey() result): `ssh-keygen -s`. Returns the
 * certificate's path (`<key>-cert.pub`, next to the key, where ssh looks for it).
 */
export function certify(
  ca: MadeKey,
  pubPath: string,
  o: { host?: boolean; id?: string; principals?: string[]; validity?: string; options?: string[]; sigAlg?: string } = {},
): string {
  const args = ['-q', '-s', ca.key, '-I', o.id ?? 'dpl-bed'];
  if (o.host) args.push('-h');
  if (o.principals?.length) args.push('-n', o.principals.join(','));
  if (o.validity) args.push('-V', o.validity);
  for (const opt of o.options ?? []) args.push('-O', opt);
  if (o.sigAlg) args.push('-t', o.sigAlg);
  execFileSync('ssh-keygen', [...args, pubPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  const cert = pubPath.replace(/\.pub$/, '') + '-cert.pub';
  if (!existsSync(cert)) throw new Error(`ssh-keygen wrote no certificate for ${pubPath}`);
  return cert;
}

/**
 * Restart a scratch host's sshd (same address and port) with other host keys, host
 * certificates and extra sshd_config lines. Extra lines go first: sshd keeps the
 * first value it reads for a keyword.
 */
export async function reconfigureSshd(
  host: Pick<BedHost, 'sshdDir' | 'hostKeyFile' | 'pidFile' | 'logFile' | 'name' | 'address' | 'port'>,
  o: { hostKeys?: string[]; hostCertificates?: string[]; lines?: string[] },
): Promise<void> {
  // A scratch host's `configFile` is its ssh_config; sshd's own is in sshdDir.
  const h = { ...host, configFile: join(host.sshdDir, 'sshd_config') };
  const base = `${h.configFile}.base`;
  if (!existsSync(base)) writeFileSync(base, readFileSync(h.configFile));
  const body = readFileSync(base, 'utf8')
    .split('\n')
    .filter((l) => !/^HostKey\s/.test(l));
  const head = [...(o.lines ?? []), ...(o.hostKeys ?? [h.hostKeyFile]).map((k) => `HostKey ${k}`), ...(o.hostCertificates ?? []).map((c) => `HostCertificate ${c}`)];
  writeFileSync(h.configFile, [body[0], ...head, ...body.slice(1)].join('\n'));
  await killSshd(h);
  await startSshd(h, { detached: true });
}
