// Keys of any type, certificate authorities and certificates (real ssh-keygen),
// and scratch sshds restarted with other host keys, host certificates or extra
// sshd_config lines: the host-key-type, certificate, ssh-rsa and agent-forwarding
// tests need servers the shared bed hosts must not become.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprint, readPublicKey } from './keys.mjs';
import { killSshd, startSshd } from './sshd.mjs';

/** A key pair at `path` (and `path.pub`) of `type` (ed25519, ecdsa, rsa). */
export function makeKey(path, { type = 'ed25519', bits, comment = 'dpl-bed-cert-test' } = {}) {
  execFileSync('ssh-keygen', ['-q', '-t', type, ...(bits ? ['-b', String(bits)] : []), '-N', '', '-C', comment, '-f', path], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const pub = readPublicKey(`${path}.pub`);
  return { key: path, pub: `${path}.pub`, ...pub, fingerprint: fingerprint(pub.base64) };
}

/**
 * Sign `pubPath` with `ca` (a makeKey() result): `ssh-keygen -s`. Returns the
 * certificate's path (`<key>-cert.pub`, next to the key, where ssh looks for it).
 */
export function certify(ca, pubPath, { host = false, id = 'dpl-bed', principals = [], validity, options = [], sigAlg } = {}) {
  const args = ['-q', '-s', ca.key, '-I', id];
  if (host) args.push('-h');
  if (principals.length) args.push('-n', principals.join(','));
  if (validity) args.push('-V', validity);
  for (const o of options) args.push('-O', o);
  if (sigAlg) args.push('-t', sigAlg);
  execFileSync('ssh-keygen', [...args, pubPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  const cert = pubPath.replace(/\.pub$/, '') + '-cert.pub';
  if (!existsSync(cert)) throw new Error(`ssh-keygen wrote no certificate for ${pubPath}`);
  return cert;
}

/**
 * Restart a scratch host's sshd (same address and port) with other host keys,
 * host certificates and extra sshd_config lines. Extra lines go first: sshd
 * keeps the first value it reads for a keyword.
 */
export async function reconfigureSshd(host, { hostKeys, hostCertificates = [], lines = [] }) {
  // A scratch host's `configFile` is its ssh_config; sshd's own is in sshdDir.
  const h = { ...host, configFile: join(host.sshdDir, 'sshd_config') };
  const base = `${h.configFile}.base`;
  if (!existsSync(base)) writeFileSync(base, readFileSync(h.configFile));
  const body = readFileSync(base, 'utf8')
    .split('\n')
    .filter((l) => !/^HostKey\s/.test(l));
  const head = [
    ...lines,
    ...(hostKeys ?? [h.hostKeyFile]).map((k) => `HostKey ${k}`),
    ...hostCertificates.map((c) => `HostCertificate ${c}`),
  ];
  writeFileSync(h.configFile, [body[0], ...head, ...body.slice(1)].join('\n'));
  await killSshd(h);
  await startSshd(h, { detached: true });
}
