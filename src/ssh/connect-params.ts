// What one connection is opened with (openConnection's parameters), from its route and
// the pool's options. The pool's run-wide caches ride along: known_hosts parsed once
// per run, keys decrypted once, so a connection the cap closed reopens at no extra cost.
import type { ParsedKey } from 'ssh2';
import { applySpec } from './algorithms.js';
import type { Identity } from './auth.js';
import { CERT_SUFFIX } from './certificate.js';
import type { UserCertificate } from './certificate-auth.js';
import type { openConnection } from './connect.js';
import type { SshConnection } from './connection.js';
import type { HostKeyMode } from './host-key.js';
import { KnownHostsStore, knownHostName } from './known-hosts.js';
import { OPENSSH_ALL, OPENSSH_CA_SIGNATURE_DEFAULTS } from './openssh-lists.js';
import type { SshPoolOptions } from './pool-options.js';
import type { Route } from './route.js';
import type {} from './events.js'; // the EventMap entries this file emits

export type ConnectParams = Parameters<typeof openConnection>[0];

/** The pool's run-wide caches. */
export interface PoolShared {
  knownHosts: KnownHostsStore;
  decrypted: Map<string, Promise<ParsedKey | Error>>;
  identities: Map<string, Promise<Identity>>;
  userCertificates: Map<string, Promise<UserCertificate | null | string>>;
}

export function newShared(): PoolShared {
  return { knownHosts: new KnownHostsStore(), decrypted: new Map(), identities: new Map(), userCertificates: new Map() };
}

/** Everything but the warm socket (taken once a connect slot is ours). Logs the route's config warnings. */
export async function connectParams(
  route: Route,
  via: { connection: SshConnection; name: string } | undefined,
  o: SshPoolOptions,
  shared: PoolShared,
): Promise<Omit<ConnectParams, 'warm'>> {
  const s = route.settings;
  const userFiles = s.userKnownHostsFiles;
  for (const file of s.missingIdentityFiles) o.events.emit('ssh.identity-missing', { host: route.display, file });
  // The resolver lower-cases names as ssh does (addresses stay as written).
  const hostname = s.hostname;
  const knownName = s.hostKeyAlias ?? knownHostName(hostname, s.port);
  const known = await shared.knownHosts.lookup([...userFiles, ...s.globalKnownHostsFiles], knownName);
  const strict = s.strictHostKeyChecking;
  const mode: HostKeyMode = o.insecureIgnoreHostKeys
    ? 'off'
    : o.acceptNewHostKeys || strict === 'accept-new' || strict === 'no'
      ? 'accept-new'
      : 'strict';
  const agentSocket =
    s.identityAgent === null ? null : (s.identityAgent ?? (o.agentSocket !== undefined ? o.agentSocket : (process.env['SSH_AUTH_SOCK'] ?? null)));
  return {
    display: route.display,
    key: route.key,
    hostname: s.hostname,
    port: s.port,
    user: s.user,
    via,
    proxyCommand: via ? undefined : s.proxyCommand,
    alias: s.alias,
    ...(s.hostKeyAlias ? { hostKeyAlias: s.hostKeyAlias } : {}),
    connectTimeoutMs: o.connectTimeoutMs ?? s.connectTimeoutMs ?? 10_000,
    keepaliveIntervalMs: o.keepaliveIntervalMs ?? s.keepaliveIntervalMs ?? 15_000,
    keepaliveCountMax: s.keepaliveCountMax ?? 3,
    auth: {
      identityFiles: s.identityFiles,
      explicitIdentities: s.explicitIdentities,
      identitiesOnly: s.identitiesOnly,
      agentSocket,
      batchMode: s.batchMode,
      passwordAuthentication: s.passwordAuthentication,
      kbdInteractiveAuthentication: s.kbdInteractiveAuthentication,
      prompter: o.prompter,
      decrypted: shared.decrypted,
      identities: shared.identities,
      userCertificates: shared.userCertificates,
    },
    certificateFiles: s.certificateFiles,
    forwardAgent: s.forwardAgent === false ? null : s.forwardAgent === true ? agentSocket : s.forwardAgent,
    hostKey: {
      name: knownName,
      principal: s.hostKeyAlias ?? hostname,
      ...(s.hostKeyAlias === undefined && s.port !== 22 ? { bareName: hostname } : {}),
      ...(s.caSignatureAlgorithms !== undefined ? { caSignatureAlgorithms: caSignatureAlgorithms(s.caSignatureAlgorithms) } : {}),
      requiredRsaBits: s.requiredRsaSize,
      mode,
      userFiles,
      globalFiles: s.globalKnownHostsFiles,
      hashKnownHosts: s.hashKnownHosts,
      store: shared.knownHosts,
      events: o.events,
    },
    algorithms: s.algorithms,
    knownHostKeys: {
      types: known.filter((e) => e.marker === null).map((e) => e.keyType),
      certAuthority: known.some((e) => e.marker === 'cert-authority'),
    },
    events: o.events,
  };
}

/** CASignatureAlgorithms applied to OpenSSH's default, as ssh does (any key signature name may be listed). */
function caSignatureAlgorithms(spec: string): string[] {
  return applySpec(spec, OPENSSH_CA_SIGNATURE_DEFAULTS, OPENSSH_ALL.key.filter((a) => !a.endsWith(CERT_SUFFIX)));
}
