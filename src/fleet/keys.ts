// Key material for fleet hosts and clients (real ssh-keygen) and known_hosts lines.
import { execFileSync } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { which } from './tools.js';

export interface PublicKey {
  type: string;
  base64: string;
  /** `type base64`, as authorized_keys takes it. */
  line: string;
}

export interface KeyPair extends PublicKey {
  /** Private key path; the public key is `${key}.pub`. */
  key: string;
  pub: string;
  fingerprint: string;
}

/** A key pair at `path` and `path.pub` (ed25519 unless asked; `passphrase` '' for none). */
export function keygen(path: string, o: { type?: 'ed25519' | 'ecdsa' | 'rsa'; bits?: number; passphrase?: string; comment?: string } = {}): KeyPair {
  const args = ['-q', '-t', o.type ?? 'ed25519', ...(o.bits ? ['-b', String(o.bits)] : []), '-N', o.passphrase ?? '', '-C', o.comment ?? 'dpl-fleet', '-f', path];
  execFileSync(which('ssh-keygen') ?? 'ssh-keygen', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const pub = readPublicKey(`${path}.pub`);
  return { ...pub, key: path, pub: `${path}.pub`, fingerprint: fingerprint(pub.base64) };
}

export function readPublicKey(pubPath: string): PublicKey {
  const [type, base64] = readFileSync(pubPath, 'utf8').trim().split(/\s+/);
  return { type: type!, base64: base64!, line: `${type} ${base64}` };
}

/** SHA256:<unpadded base64 of sha256(key blob)>, as `ssh-keygen -l` prints it. */
export function fingerprint(base64: string): string {
  return `SHA256:${createHash('sha256').update(Buffer.from(base64, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

/** The name known_hosts uses: `host` for port 22, `[host]:port` otherwise. */
export function knownHostName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

/** A hashed known_hosts host field (`|1|salt|hmac`), as `ssh-keygen -H` writes it. */
export function hashedHostField(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

/** One known_hosts line for a host key; hashed when asked. */
export function knownHostsLine(address: string, port: number, key: Pick<PublicKey, 'type' | 'base64'>, o: { hashed?: boolean } = {}): string {
  const name = knownHostName(address, port);
  return `${o.hashed ? hashedHostField(name) : name} ${key.type} ${key.base64}`;
}
