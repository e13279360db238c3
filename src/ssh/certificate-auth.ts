// User certificates, found and paired with their private key as OpenSSH 9.2 does
// (ssh.c load_public_identity_files, sshconnect2.c pubkey_prepare and
// sign_and_send_pubkey): each CertificateFile, tried before any key; or, when
// none is set, `<key>-cert` / `<key>-cert.pub` right after its identity file.
// A certificate is signed for by the agent key or identity file with the same
// public key, else by the identity file of the same name.
import { readFile } from 'node:fs/promises';
import type { AnyAuthMethod, ParsedKey } from 'ssh2';
import type { Identity, Step } from './auth-types.js';
import { checkAuthority, isCertificateType, parseCertificate, validityText, type Certificate } from './certificate.js';
import { ecdsaSignatureToSsh, hashForAlgorithm } from './certificate-wire.js';
import { certificateKey } from './ssh2-certificates.js';

export interface UserCertificate {
  file: string;
  cert: Certificate;
}

/** Where OpenSSH looks for an identity file's certificate when no CertificateFile is set. */
export const certificateFilesBeside = (keyFile: string): string[] => [`${keyFile}-cert`, `${keyFile}-cert.pub`];

/** The identity file a certificate file goes with by name: id_ed25519-cert.pub → id_ed25519. */
export const keyFileOf = (certFile: string): string => certFile.replace(/-cert(\.pub)?$/, '');

/** A user certificate from an OpenSSH public key file; null when missing, a reason when unusable. */
export async function readUserCertificate(file: string): Promise<UserCertificate | null | string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? null : `cannot read certificate ${file}: ${code ?? (err as Error).message}`;
  }
  const [type, b64] = text.trim().split(/\s+/);
  if (!type || !b64 || !isCertificateType(type)) return `${file} is not a certificate`;
  const cert = parseCertificate(Buffer.from(b64, 'base64'));
  if ('error' in cert) return `cannot use certificate ${file}: ${cert.error}`;
  if (cert.type !== type) return `cannot use certificate ${file}: it says ${type} but holds ${cert.type}`;
  if (cert.kind !== 'user') return `cannot use certificate ${file}: not a user certificate`;
  return { file, cert };
}

/** Why the server may refuse `c`, as far as this machine's clock can tell (null: it looks valid). */
export function certificateProblem(c: UserCertificate): string | null {
  const invalid = checkAuthority(c.cert, 'user', null);
  return invalid ? `certificate ${c.file} is not valid now (${invalid.replace(/^Certificate invalid: /, '')}; valid ${validityText(c.cert)})` : null;
}

export type Signer = (data: Buffer, algorithm: string) => Promise<Buffer>;

/** Signatures by a private key, in SSH encoding. */
export function keySigner(key: ParsedKey): Signer {
  return async (data, algorithm) => {
    const sig = key.sign(data, hashForAlgorithm(algorithm));
    if (sig instanceof Error) throw sig;
    return key.type.startsWith('ecdsa-') ? ecdsaSignatureToSsh(sig) : sig;
  };
}

interface AgentLike {
  sign(key: ParsedKey, data: Buffer, options: { hash?: 'sha1' | 'sha256' | 'sha512' }, cb: (err?: Error | null, signature?: Buffer) => void): unknown;
}

/** Signatures by an ssh-agent key (the agent already answers in SSH encoding). */
export function agentSigner(agent: AgentLike, key: ParsedKey): Signer {
  return (data, algorithm) =>
    new Promise((resolve, reject) => {
      const hash = hashForAlgorithm(algorithm) as 'sha1' | 'sha256' | 'sha512' | undefined;
      agent.sign(key, data, hash ? { hash } : {}, (err, signature) => (err || !signature ? reject(err ?? new Error('no signature from the agent')) : resolve(signature)));
    });
}

/** What a certificate login needs from the authentication it is part of (auth.ts). */
export interface CertificateContext {
  username: string;
  /** Why logins failed, for the error message. */
  problems: string[];
  /** Whether this connection can send certificate logins (ssh2-patches' sendCertificates). */
  enabled(): boolean;
  agentKeys(): Promise<ParsedKey[]>;
  agentSigner(key: ParsedKey): Signer;
  agentMethod(keys: ParsedKey[]): AnyAuthMethod;
  identity(file: string): Promise<Identity>;
  /** readUserCertificate, once per run per file (parsing checks the CA's signature). */
  certificate(file: string): Promise<UserCertificate | null | string>;
  /** An identity file's private key (asking its passphrase once per run), or null with the reason noted. */
  fileKey(file: string): Promise<ParsedKey | null>;
}

/** The agent key or identity file that signs for `c` (sign_and_send_pubkey): same public key, else (files) same name. */
async function signerFor(ctx: CertificateContext, c: UserCertificate, keyFiles: string[]): Promise<{ key: ParsedKey; sign: Signer; agent: boolean } | null> {
  const inAgent = (await ctx.agentKeys()).find((k) => k.getPublicSSH().equals(c.cert.key));
  if (inAgent) return { key: inAgent, sign: ctx.agentSigner(inAgent), agent: true };
  const known = await Promise.all(keyFiles.map(async (f) => ({ f, id: await ctx.identity(f) })));
  const byKey = known.find(({ id }) => (id.key?.getPublicSSH() ?? id.pub)?.equals(c.cert.key));
  const byName = known.find(({ f, id }) => f === keyFileOf(c.file) && !id.key && !id.pub && !id.readError);
  const file = (byKey ?? byName)?.f;
  if (!file) {
    ctx.problems.push(`no private key for certificate ${c.file}`);
    return null;
  }
  const key = await ctx.fileKey(file);
  return key ? { key, sign: keySigner(key), agent: false } : null;
}

/** A login with the first of `files` that exists, signed for by an agent key or one of `keyFiles`. */
export function certificateLogin(ctx: CertificateContext, files: string[], keyFiles: string[]): Step {
  return {
    kind: 'publickey',
    async make() {
      if (!ctx.enabled()) return null;
      let found: UserCertificate | null = null;
      for (const f of files) {
        const c = await ctx.certificate(f);
        if (typeof c === 'string') ctx.problems.push(c);
        if (c && typeof c !== 'string') found = c;
        if (c) break;
      }
      if (!found) return null;
      const signer = await signerFor(ctx, found, keyFiles);
      if (!signer) return null;
      const problem = certificateProblem(found);
      if (problem) ctx.problems.push(problem);
      const key = certificateKey(signer.key, { blob: found.cert.blob, sign: signer.sign });
      const method: AnyAuthMethod = signer.agent ? ctx.agentMethod([key]) : { type: 'publickey', username: ctx.username, key };
      return { method, label: `certificate ${found.file}` };
    },
  };
}
