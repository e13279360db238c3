// Client authentication in OpenSSH's order: CertificateFile certificates, agent
// keys, identity files (an encrypted key asks its passphrase once per run, and
// only when the agent does not already hold it), each followed by its
// `-cert.pub`, then keyboard-interactive (KbdInteractiveAuthentication) and password
// (PasswordAuthentication) when the server offers them and BatchMode is off. The
// agent's plumbing is in auth-agent.ts, keyboard-interactive's answers in auth-kbd.ts.
import { readFile } from 'node:fs/promises';
import type { AnyAuthMethod, AuthHandlerMiddleware, ParsedKey } from 'ssh2';
import { withCachedSigner } from './ssh2-patches.js';
import { createAgentAuth } from './auth-agent.js';
import { keyboardInteractive } from './auth-kbd.js';
import { certificateFilesBeside, certificateLogin, readUserCertificate, type CertificateContext, type UserCertificate } from './certificate-auth.js';
import type { Prompter } from '../core/context-types.js';
import type { Ssh2 } from './ssh2-load.js';
import type { Identity, Step } from './auth-types.js';

export type { Identity, Step };

export interface AuthOptions {
  user: string;
  /** user@host:port, for prompts and errors. */
  label: string;
  identityFiles: string[];
  explicitIdentities: boolean;
  identitiesOnly: boolean;
  agentSocket: string | null;
  batchMode: boolean;
  passwordAuthentication: boolean;
  kbdInteractiveAuthentication: boolean;
  /** Asks each secret once per run, one question at a time, and registers it for redaction. */
  prompter: Prompter;
  /** Identity files read and parsed once per run (shared by the pool). */
  identities: Map<string, Promise<Identity>>;
  /** User certificates read, parsed and CA-verified once per run (shared by the pool); null: no such file, string: why unusable. */
  userCertificates: Map<string, Promise<UserCertificate | null | string>>;
  /** Decrypted keys by file, shared by the pool: the KDF (bcrypt) runs once per run, not per host. */
  decrypted: Map<string, Promise<ParsedKey | Error>>;
  /** Called around prompts so the connect timeout does not run while a human types. */
  onPrompt(active: boolean): void;
  /** CertificateFile entries: when set, no `<key>-cert.pub` is looked for. */
  certificateFiles: string[];
  /** Whether this connection can send certificate logins (ssh2-patches' sendCertificates). */
  certificates(): boolean;
  /** False when the host's changed or revoked key was let through unverified (host key checking off). */
  hostTrusted(): boolean;
}

export interface Auth {
  handler: AuthHandlerMiddleware;
  /** What was tried, for the error message. */
  readonly tried: string[];
  readonly problems: string[];
  readonly serverMethods: string[] | null;
  readonly last: string | undefined;
}

async function publicBlob(ssh2: Ssh2, file: string): Promise<Buffer | null> {
  try {
    const k = ssh2.utils.parseKey(await readFile(`${file}.pub`));
    return k instanceof Error ? null : (Array.isArray(k) ? k[0] : k).getPublicSSH();
  } catch {
    return null;
  }
}

async function loadIdentity(ssh2: Ssh2, file: string): Promise<Identity> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (err) {
    return { readError: (err as NodeJS.ErrnoException).code ?? (err as Error).message, encrypted: false, pub: null };
  }
  const parsed = ssh2.utils.parseKey(data);
  if (parsed instanceof Error) {
    const encrypted = /passphrase|encrypted/i.test(parsed.message);
    return { data, encrypted, parseError: parsed.message, pub: encrypted ? await publicBlob(ssh2, file) : null };
  }
  return { data, key: withCachedSigner(Array.isArray(parsed) ? parsed[0]! : parsed), encrypted: false, pub: null };
}

export function createAuth(ssh2: Ssh2, o: AuthOptions): Auth {
  const tried: string[] = [];
  const problems: string[] = [];
  const offeredByAgent: Buffer[] = [];
  let serverMethods: string[] | null = null;
  let last: string | undefined;
  const username = o.user;

  const prompt = async (key: string, question: string): Promise<string> => {
    o.onPrompt(true);
    try {
      return await o.prompter.secret(key, question);
    } finally {
      o.onPrompt(false);
    }
  };
  const password = (): Promise<string> => prompt(`ssh.password:${o.user}`, `Password for ${o.label}: `);

  const steps: Step[] = [];
  /** Public blobs of the identity files: the only agent keys IdentitiesOnly lets through. */
  const identityBlobs = async (): Promise<Buffer[]> =>
    (await Promise.all(o.identityFiles.map((f) => publicBlob(ssh2, f)))).filter((b): b is Buffer => !!b);
  const agent = o.agentSocket ? createAgentAuth(ssh2, o.agentSocket, o.identitiesOnly ? identityBlobs : null) : null;
  const agentIdentities = (): Promise<ParsedKey[]> => agent?.keys() ?? Promise.resolve([]);
  const identity = (file: string): Promise<Identity> => {
    let id = o.identities.get(file);
    if (!id) o.identities.set(file, (id = loadIdentity(ssh2, file)));
    return id;
  };
  /** An identity file's private key (an encrypted one asks its passphrase once per run); null, with the reason noted, when there is none. */
  const fileKey = async (file: string, skipIfInAgent: boolean): Promise<ParsedKey | null> => {
    const loaded = await identity(file);
    if (loaded.readError) {
      if (o.explicitIdentities) problems.push(`cannot read identity file ${file}: ${loaded.readError}`);
      return null;
    }
    if (!loaded.encrypted) {
      if (!loaded.key) problems.push(`cannot use identity file ${file}: ${loaded.parseError}`);
      return loaded.key ?? null;
    }
    if (skipIfInAgent && loaded.pub && offeredByAgent.some((b) => b.equals(loaded.pub!))) return null;
    if (o.batchMode) {
      problems.push(`${file} is encrypted and BatchMode is on`);
      return null;
    }
    let decrypted = o.decrypted.get(file);
    if (!decrypted) {
      decrypted = prompt(`ssh.passphrase:${file}`, `Enter passphrase for key '${file}': `).then((passphrase) => {
        const k = ssh2.utils.parseKey(loaded.data!, passphrase);
        return k instanceof Error ? k : withCachedSigner(Array.isArray(k) ? k[0]! : k);
      });
      o.decrypted.set(file, decrypted);
    }
    const d = await decrypted;
    if (d instanceof Error) {
      problems.push(`wrong passphrase for ${file}`);
      return null;
    }
    return d;
  };
  const certificates: CertificateContext = {
    username,
    problems,
    enabled: () => o.certificates(),
    agentKeys: agentIdentities,
    agentSigner: (key) => agent!.signer(key),
    agentMethod: (keys) => agent!.method(username, keys),
    identity,
    certificate(file) {
      let c = o.userCertificates.get(file);
      if (!c) o.userCertificates.set(file, (c = readUserCertificate(file)));
      return c;
    },
    fileKey: (file) => fileKey(file, false),
  };
  const certificateStep = (files: string[], keyFiles: string[]): Step => certificateLogin(certificates, files, keyFiles);

  for (const file of o.certificateFiles) steps.push(certificateStep([file], o.identityFiles));
  if (agent) {
    steps.push({
      kind: 'publickey',
      async make() {
        const keys = await agentIdentities();
        if (!keys.length) return null;
        offeredByAgent.push(...keys.map((k) => k.getPublicSSH()));
        return { method: agent.method(username, keys), label: `agent (${keys.length} key${keys.length === 1 ? '' : 's'})` };
      },
    });
  }
  for (const file of o.identityFiles) {
    steps.push({
      kind: 'publickey',
      async make() {
        const key = await fileKey(file, true);
        if (!key || offeredByAgent.some((b) => b.equals(key.getPublicSSH()))) return null;
        return { method: { type: 'publickey', username, key }, label: `key ${file}` };
      },
    });
    if (!o.certificateFiles.length) steps.push(certificateStep(certificateFilesBeside(file), [file]));
  }
  /** As OpenSSH: no password to a host whose changed or revoked key was let through. */
  const passwordsAllowed = (): boolean => {
    if (o.hostTrusted()) return true;
    problems.push('password authentication is off: the host key was not verified');
    return false;
  };
  // OpenSSH's order (PreferredAuthentications' default): keyboard-interactive, then password.
  if (o.kbdInteractiveAuthentication && !o.batchMode) {
    steps.push({
      kind: 'keyboard-interactive',
      async make() {
        if (!passwordsAllowed()) return null;
        const method = keyboardInteractive({ username, label: o.label, password, ask: prompt, problems });
        return { method, label: 'keyboard-interactive' };
      },
    });
  }
  if (o.passwordAuthentication && !o.batchMode) {
    steps.push({
      kind: 'password',
      async make() {
        if (!passwordsAllowed()) return null;
        return { method: { type: 'password', username, password: await password() }, label: 'password' };
      },
    });
  }

  let next = 0;
  const handler: AuthHandlerMiddleware = (authsLeft, _partial, done) => {
    if (authsLeft) serverMethods = authsLeft;
    const pick = async (): Promise<AnyAuthMethod | false> => {
      while (next < steps.length) {
        const step = steps[next]!;
        if (step.kind !== 'publickey' && !serverMethods) {
          // Ask the server what it accepts before prompting for a password.
          return { type: 'none', username };
        }
        next++;
        if (serverMethods && !serverMethods.includes(step.kind)) continue;
        const made = await step.make();
        if (!made) continue;
        tried.push(made.label);
        last = made.label;
        return made.method;
      }
      return false;
    };
    pick().then(
      (m) => done(m as AnyAuthMethod),
      (err: Error) => {
        problems.push(err.message);
        done(false as unknown as AnyAuthMethod);
      },
    );
  };
  return {
    handler,
    tried,
    problems,
    get serverMethods() {
      return serverMethods;
    },
    get last() {
      return last;
    },
  };
}
