// Open one connection: TCP (or a stream through the jump connection), SSH
// handshake, host key check, authentication — under one connect timeout that
// pauses while a passphrase or password prompt is open.
import type { Duplex } from 'node:stream';
import type { Algorithms } from 'ssh2';
import { ConnectionError, HostKeyError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import { CONFIG_NAMES, algorithmsFor, isCertificateAlgorithm, loadCatalog, type AlgorithmSpecs, type KnownHostKeys } from './algorithms.js';
import { createAuth, type AuthOptions } from './auth.js';
import { acceptHostCertificates, sendCertificates } from './ssh2-certificates.js';
import { ignoreHostKeyNotices, signWithoutProbe } from './ssh2-patches.js';
import { loadSsh2, type Ssh2 } from './ssh2-load.js';
import { SshConnection, describeDrop, tcpSocket } from './connection.js';
import { createHostKeyVerifier, type HostKeyPolicy } from './host-key.js';
import { PendingSocket } from './warm.js';
import { expandProxyCommand, spawnProxyCommand, type ProxyStream } from './proxy-command.js';
import type {} from './events.js'; // the EventMap entries this file emits

export interface ConnectParams {
  display: string;
  key: string;
  hostname: string;
  port: number;
  user: string;
  /** ssh config ProxyCommand (tokens not yet expanded), when the route is not a jump. */
  proxyCommand?: string;
  /** The name the host was looked up by in ssh config (%n). */
  alias: string;
  /** HostKeyAlias (%k in a ProxyCommand; the alias otherwise). */
  hostKeyAlias?: string;
  /** A TCP connect the pool started early (direct routes only). */
  warm?: PendingSocket;
  /** Connect through this connection (ProxyJump) instead of TCP. */
  via?: { connection: SshConnection; name: string };
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  auth: Omit<AuthOptions, 'onPrompt' | 'user' | 'label' | 'certificateFiles' | 'certificates' | 'hostTrusted'>;
  hostKey: Omit<HostKeyPolicy, 'display'>;
  /** CertificateFile entries from ssh config (user certificates). */
  certificateFiles: string[];
  /** ssh-agent socket to forward to the host (ForwardAgent), or null. */
  forwardAgent: string | null;
  /** KexAlgorithms, HostKeyAlgorithms, Ciphers, MACs from ssh config. */
  algorithms: AlgorithmSpecs;
  /** What known_hosts already holds for this host: negotiate those key types (or certificates) first. */
  knownHostKeys: KnownHostKeys;
  events: EventBus;
}

export type { Ssh2 };

export async function openConnection(p: ConnectParams): Promise<SshConnection> {
  const started = performance.now();
  const where = `${p.hostname}:${p.port}`;
  const label = `${p.user}@${where}`;
  let sock: Duplex;
  let early: PendingSocket | undefined;
  let proxy: ProxyStream | undefined;
  if (p.via) {
    try {
      sock = await p.via.connection.forwardOut(p.hostname, p.port);
    } catch (err) {
      throw new ConnectionError(p.display, `jump host ${p.via.name} could not reach ${where}: ${(err as Error).message}`, {
        code: 'connect.jump',
        hint: `check that ${where} is reachable from ${p.via.name}`,
      });
    }
  } else if (p.proxyCommand) {
    const command = expandProxyCommand(p.proxyCommand, { hostname: p.hostname, port: p.port, user: p.user, alias: p.alias, ...(p.hostKeyAlias ? { keyAlias: p.hostKeyAlias } : {}) });
    proxy = spawnProxyCommand(command, (line) => p.events.emit('log', { host: p.display, level: 'debug', topic: 'ssh', message: `ProxyCommand: ${line}` }));
    sock = proxy.stream;
  } else {
    // The SYN goes out before ssh2 loads (see warm.ts).
    early = p.warm ?? new PendingSocket(tcpSocket(p.hostname, p.port));
    sock = early.socket;
  }
  const [ssh2, catalog] = await Promise.all([loadSsh2(), loadCatalog()]);
  const { algorithms, empty } = algorithmsFor(p.algorithms, p.knownHostKeys, catalog);
  const noAlgorithm = (kinds: Array<keyof typeof CONFIG_NAMES>): ConnectionError => {
    sock.destroy();
    const names = kinds.map((k) => CONFIG_NAMES[k]).join(', ');
    return new ConnectionError(p.display, `ssh config leaves no algorithm dpl supports for ${names}`, {
      code: 'connect.algorithms',
      hint: `dpl can use for ${CONFIG_NAMES[kinds[0]!]}: ${catalog[kinds[0]!].supported.join(', ')}`,
    });
  };
  if (empty.length) throw noAlgorithm(empty);
  // ssh2 is given the plain host key algorithms; certificate ones join after connect().
  const hostKeyList = algorithms.serverHostKey as string[];
  const plainHostKeys = hostKeyList.filter((a) => !isCertificateAlgorithm(a));

  const client = new ssh2.Client();
  let negotiated: { kex: string; serverHostKey: string } | undefined;
  const verifier = createHostKeyVerifier({ ...p.hostKey, display: p.display });
  let prompting = 0;
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  // Settles the handshake promise; set once it exists. A stream that is already gone
  // emits nothing more, so the timeout cannot wait for ssh2's 'close'.
  let giveUp: ((err: Error) => void) | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (prompting > 0) return;
      timedOut = true;
      client.destroy();
      sock.destroy();
      giveUp?.(new Error('connect timeout'));
    }, p.connectTimeoutMs);
  };
  let certificateLogins = false;
  const auth = createAuth(ssh2, {
    ...p.auth,
    user: p.user,
    label,
    certificateFiles: p.certificateFiles,
    certificates: () => certificateLogins,
    hostTrusted: () => verifier.trusted,
    onPrompt(active) {
      prompting += active ? 1 : -1;
      if (active) clearTimeout(timer);
      else if (prompting === 0) arm();
    },
  });
  arm();
  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (err: Error & { code?: string; level?: string }): void => {
        if (settled) return;
        settled = true;
        reject(err);
      };
      client.once('ready', () => {
        settled = true;
        resolve();
      });
      client.on('error', fail);
      client.once('handshake', (n: { kex: string; serverHostKey: string }) => (negotiated = n));
      client.once('close', () => fail(Object.assign(new Error('Connection lost before handshake'), { level: 'protocol' })));
      giveUp = fail;
      const failedEarly = early?.release().error;
      if (failedEarly) return fail(Object.assign(failedEarly, { level: 'client-socket' }));
      if (sock.destroyed || sock.readableEnded) return fail(Object.assign(new Error('Connection lost before handshake'), { level: 'protocol' }));
      client.connect({
        sock: sock as never,
        username: p.user,
        readyTimeout: 0,
        keepaliveInterval: p.keepaliveIntervalMs,
        keepaliveCountMax: p.keepaliveCountMax,
        hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => verifier.verify(key, verify),
        authHandler: auth.handler,
        algorithms: { ...algorithms, serverHostKey: (plainHostKeys.length ? plainHostKeys : undefined) as Algorithms['serverHostKey'] },
        // The agent the host may use once a command asks (SshConnection.exec): ForwardAgent.
        ...(p.forwardAgent ? { agent: p.forwardAgent } : {}),
      });
      ignoreHostKeyNotices(client);
      signWithoutProbe(client);
      certificateLogins = sendCertificates(client);
      const certs = plainHostKeys.length < hostKeyList.length && acceptHostCertificates(client, hostKeyList, (blob) => verifier.certifiedKey(blob));
      if (!certs && !plainHostKeys.length) fail(noAlgorithm(['serverHostKey']));
    });
  } catch (err) {
    // A ProxyCommand that died is the cause of a lost stream: say so (its exit and stderr).
    const lost = !verifier.failure && !timedOut && (err as { level?: string }).level !== 'client-authentication';
    // It may still be exiting when its stream closes.
    const proxyEnded = proxy && lost ? await proxy.ended(200) : undefined;
    client.destroy();
    sock.destroy();
    if (proxyEnded) throw new ConnectionError(p.display, proxyEnded, { code: 'connect.proxy-command', hint: 'run the ProxyCommand by hand to see why it fails' });
    throw connectFailure(p, err as Error & { code?: string; level?: string }, {
      timedOut,
      hostKey: verifier.failure,
      auth,
      where,
      label,
    });
  } finally {
    clearTimeout(timer);
  }
  const ms = Math.round(performance.now() - started);
  const how = auth.last ?? 'none';
  p.events.emit('log', {
    host: p.display,
    level: 'debug',
    topic: 'ssh',
    message: `connected to ${label}${p.via ? ` via ${p.via.name}` : ''} in ${ms} ms (${how}; kex ${negotiated?.kex}, host key ${negotiated?.serverHostKey})`,
    data: { durationMs: ms, auth: how, via: p.via?.name, kex: negotiated?.kex, hostKeyAlgorithm: negotiated?.serverHostKey },
  });
  // As OpenSSH: no agent for a host whose key was let through unverified.
  const forwardAgent = p.forwardAgent !== null && verifier.trusted;
  if (p.forwardAgent !== null && !forwardAgent) {
    p.events.emit('ssh.agent-off', { host: p.display, label });
  }
  return new SshConnection(client, p.key, label, how, sock, forwardAgent);
}

function connectFailure(
  p: ConnectParams,
  err: Error & { code?: string; level?: string },
  s: { timedOut: boolean; hostKey?: HostKeyError; auth: ReturnType<typeof createAuth>; where: string; label: string },
): ConnectionError {
  if (s.hostKey) return s.hostKey;
  if (err instanceof ConnectionError) return err;
  if (s.timedOut) {
    return new ConnectionError(p.display, `connection timed out after ${p.connectTimeoutMs / 1000} s (${s.where})`, {
      code: 'connect.timeout',
      hint: 'is the host up and the port right? raise the limit with --connect-timeout or ConnectTimeout in ssh config',
    });
  }
  if (err.level === 'client-authentication') {
    const tried = s.auth.tried.length ? s.auth.tried.join(', ') : 'nothing';
    const methods = s.auth.serverMethods ? `; the server accepts: ${s.auth.serverMethods.join(', ')}` : '';
    const problems = s.auth.problems.length ? `; ${[...new Set(s.auth.problems)].join('; ')}` : '';
    return new ConnectionError(p.display, `authentication failed for ${s.label} (tried: ${tried}${methods}${problems})`, {
      code: 'connect.auth',
      hint: 'check the user name, that your public key is in ~/.ssh/authorized_keys on the host, or pick a key with -i',
    });
  }
  if (err.level === 'client-socket' || err.code) {
    const reason = describeDrop(err, s.where);
    return new ConnectionError(p.display, reason, {
      code: err.code === 'ECONNREFUSED' ? 'connect.refused' : 'connect.failed',
      hint: err.code === 'ECONNREFUSED' ? 'is sshd running there, and is the port right?' : undefined,
    });
  }
  return new ConnectionError(p.display, `SSH handshake with ${s.where} failed: ${describeDrop(err)}`, {
    hint: /no matching host key/.test(err.message)
      ? 'the server offers no host key algorithm dpl accepts; if it offers only ssh-rsa (SHA-1), refused by OpenSSH since 8.8, ' +
        'and you must connect anyway, add "HostKeyAlgorithms +ssh-rsa" for this host in your ssh config'
      : undefined,
  });
}
