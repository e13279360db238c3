// A hostile server (ssh2's server API) that shows a valid host certificate for
// one key but signs the key exchange with another: what a thief of a certificate
// (not of its key) would do. dpl must check the exchange signature with the key
// the certificate certifies. A control server that signs with the right key
// proves the harness itself connects. The real ssh judges both the same way.
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ParsedKey, Server } from 'ssh2';
import { ConnectionError } from '../../src/core/errors.js';
import { certify, makeKey, type MadeKey } from '../support/bed/certs.js';
import { bedHost, bedPool, bedTemp, describeBed } from '../support/bed.js';
import { opensshAsync } from '../helpers/openssh.js';

const ssh2 = createRequire(import.meta.url)('ssh2') as typeof import('ssh2');
const CERT_ALG = 'ssh-ed25519-cert-v01@openssh.com';

interface Hostile {
  port: number;
  close(): Promise<void>;
}

/**
 * An ssh2 server whose host key is `cert` (K_S) while `signer` signs the exchange
 * hash. ssh2's server would name the signature after the certificate algorithm;
 * OpenSSH's rule (and a real sshd) names it `ssh-ed25519`, so the server's key
 * exchange is adjusted the way dpl adjusts the client's.
 */
async function hostileServer(cert: Buffer, signer: ParsedKey): Promise<Hostile> {
  const hostKey = Object.create(signer, { type: { value: CERT_ALG }, getPublicSSH: { value: () => cert } }) as ParsedKey;
  const server: Server = new ssh2.Server({ hostKeys: [{ key: hostKey as never }] }, (client) => {
    client.on('authentication', (ctx) => ctx.accept());
    client.on('ready', () => {
      client.on('session', (accept) => {
        accept().once('exec', (acceptExec) => {
          const ch = acceptExec();
          ch.write('in\n');
          ch.exit(0);
          ch.end();
        });
      });
    });
    client.on('error', () => undefined);
  });
  server.on('connection', (client) => {
    const proto = (client as unknown as { _protocol: Record<string, unknown> })._protocol;
    let kex: { negotiated: { serverHostKey: string }; finish: (...a: unknown[]) => unknown } | undefined;
    Object.defineProperty(proto, '_kex', {
      configurable: true,
      get: () => kex,
      set: (k: typeof kex) => {
        kex = k;
        if (!k) return;
        const finish = k.finish;
        k.finish = function (this: unknown, ...args: unknown[]) {
          const was = k.negotiated.serverHostKey;
          k.negotiated.serverHostKey = 'ssh-ed25519';
          try {
            return finish.apply(this, args);
          } finally {
            k.negotiated.serverHostKey = was;
          }
        };
      },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describeBed('a hostile server with someone else’s host certificate', (bed) => {
  let dir: string;
  let ca: MadeKey;
  let certified: MadeKey;
  let other: MadeKey;
  let cert: Buffer;
  const servers: Hostile[] = [];
  beforeAll(() => {
    dir = bedTemp('hostile-');
    ca = makeKey(join(dir, 'ca'));
    certified = makeKey(join(dir, 'certified'));
    other = makeKey(join(dir, 'other'));
    const file = certify(ca, certified.pub, { host: true, principals: ['victim.example'], validity: '-5m:+1h' });
    cert = Buffer.from(readFileSync(file, 'utf8').split(' ')[1]!, 'base64');
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
  });

  const parse = (path: string): ParsedKey => {
    const k = ssh2.utils.parseKey(readFileSync(path));
    if (k instanceof Error) throw k;
    return Array.isArray(k) ? k[0]! : k;
  };

  function config(port: number): string {
    const knownHosts = join(bedTemp('hostile-kh-'), 'known_hosts');
    writeFileSync(knownHosts, `@cert-authority *.example ${ca.line}\n`);
    const file = join(bedTemp('hostile-cfg-'), 'config');
    writeFileSync(
      file,
      [
        'Host victim',
        '  HostName 127.0.0.1',
        `  Port ${port}`,
        '  HostKeyAlias victim.example',
        `  UserKnownHostsFile ${knownHosts}`,
        '  GlobalKnownHostsFile /dev/null',
        '  StrictHostKeyChecking yes',
        `  User ${bed.user}`,
        `  IdentityFile ${bed.keys.plain}`,
        '  IdentitiesOnly yes',
        '',
      ].join('\n'),
    );
    return file;
  }

  it('control: the server signing with the certified key is accepted by dpl and ssh', async () => {
    const s = await hostileServer(cert, parse(certified.key));
    servers.push(s);
    const cfg = config(s.port);
    const { pool, seen } = bedPool({ configFile: cfg });
    const t = await pool.get(bedHost('victim'));
    expect((await t.exec('anything')).stdout).toBe('in\n');
    await pool.closeAll();
    expect(seen.some((e) => e.type === 'log' && /host certificate of victim\.example .* is signed by the @cert-authority/.test(e.message))).toBe(true);
    expect((await opensshAsync(cfg, 'victim')).code).toBe(0);
  });

  it('the server signing with another key is refused by dpl and ssh', async () => {
    const s = await hostileServer(cert, parse(other.key));
    servers.push(s);
    const cfg = config(s.port);
    const { pool } = bedPool({ configFile: cfg });
    const err = await pool.get(bedHost('victim')).catch((e: unknown) => e);
    await pool.closeAll();
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toMatch(/signature verification failed/);
    const r = await opensshAsync(cfg, 'victim');
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/incorrect signature/);
  });
});
