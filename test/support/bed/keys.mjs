// Key material for the sshd test bed: host keys, client keys, known_hosts lines.
// Plain JS so both vitest (global-setup.ts) and bench/run.js can import it.
import { execFileSync } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Generate an ed25519 key pair at `path` (and `path.pub`). */
export function keygen(path, { passphrase = '', comment = 'dpl-testbed' } = {}) {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', comment, '-f', path], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return readPublicKey(`${path}.pub`);
}

/** `{type, base64, line}` of an OpenSSH public key file. */
export function readPublicKey(pubPath) {
  const line = readFileSync(pubPath, 'utf8').trim();
  const [type, base64] = line.split(/\s+/);
  return { type, base64, line: `${type} ${base64}` };
}

/** OpenSSH-style fingerprint: SHA256:<unpadded base64 of sha256(key blob)>. */
export function fingerprint(base64) {
  const digest = createHash('sha256').update(Buffer.from(base64, 'base64')).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

/** The name known_hosts uses: `host` for port 22, `[host]:port` otherwise. */
export function knownHostName(address, port) {
  return port === 22 ? address : `[${address}]:${port}`;
}

/** A hashed known_hosts host field (`|1|salt|hmac`), as `ssh-keygen -H` writes it. */
export function hashedHostField(name) {
  const salt = randomBytes(20);
  const mac = createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${mac.toString('base64')}`;
}

/** One known_hosts line for a host key; hashed when asked. */
export function knownHostsLine(address, port, key, { hashed = false } = {}) {
  const name = knownHostName(address, port);
  return `${hashed ? hashedHostField(name) : name} ${key.type} ${key.base64}`;
}
