// ssh2's per-packet patches: padding from a pooled CSPRNG buffer (laid out as ssh2
// lays it out, random, never reused), socket writes grouped per tick, and a
// channel's destroy without the dropped error. End to end over ssh2's own server.
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { coalesceWrites, poolPadding, quietChannelDestroy, RandomPool } from '../../src/ssh/ssh2-packets.js';
import { loadSsh2 } from '../../src/ssh/ssh2-load.js';

const require = createRequire(import.meta.url);
const cryptoModule = require('ssh2/lib/protocol/crypto.js') as {
  createCipher(config: unknown): { allocPacket(n: number): Buffer };
  CIPHER_INFO: Record<string, { keyLen: number; ivLen: number }>;
  MAC_INFO: Record<string, { len: number }>;
};
const ssh2 = require('ssh2') as typeof import('ssh2');

function cipher(name: string, mac?: string, forceNative = false): { allocPacket(n: number): Buffer } {
  const info = cryptoModule.CIPHER_INFO[name]!;
  const macInfo = mac ? cryptoModule.MAC_INFO[mac]! : undefined;
  return cryptoModule.createCipher({
    outbound: {
      onWrite: () => undefined, seqno: 0, forceNative, cipherInfo: info,
      cipherKey: Buffer.alloc(info.keyLen), cipherIV: Buffer.alloc(info.ivLen),
      ...(macInfo ? { macInfo, macKey: Buffer.alloc(macInfo.len) } : {}),
    },
  });
}

describe('RandomPool', () => {
  it('hands out each byte once, refilling from the CSPRNG', () => {
    const pool = new RandomPool(64);
    const draws = Array.from({ length: 200 }, () => {
      const b = Buffer.alloc(8);
      pool.fill(b, 2, 6);
      expect(b.subarray(0, 2).equals(Buffer.alloc(2))).toBe(true); // only its range is written
      return b.subarray(2).toString('hex');
    });
    expect(new Set(draws).size).toBe(draws.length);
    const bytes = Buffer.from(draws.join(''), 'hex');
    expect(new Set(bytes).size).toBeGreaterThan(200); // 1,200 bytes spread over the byte values
  });

  it('serves a request larger than the pool', () => {
    const pool = new RandomPool(4);
    const b = Buffer.alloc(32);
    pool.fill(b, 0, 32);
    expect(new Set(b).size).toBeGreaterThan(8);
  });
});

describe('poolPadding', () => {
  const kinds: Array<[string, string | undefined, boolean]> = [];
  for (const native of [false, true]) {
    kinds.push(['chacha20-poly1305@openssh.com', undefined, native], ['aes128-gcm@openssh.com', undefined, native], ['aes256-ctr', 'hmac-sha2-512-etm@openssh.com', native], ['aes128-ctr', 'hmac-sha2-256', native]);
  }
  const before = new Map(kinds.map(([c, m, n]) => [`${c} ${m} ${n}`, cipher(c, m, n)]));
  const layouts = new Map([...before].map(([k, c]) => [k, [0, 1, 7, 13, 100, 1000].map((n) => { const p = c.allocPacket(n); return [p.length, p[4], p.readUInt32BE(0)]; })]));

  it('patches every cipher class of the ssh2 we ship, once', () => {
    expect(poolPadding(cryptoModule)).toBe(7); // null, chacha, aes-gcm, generic; binding and native
    expect(poolPadding(cryptoModule)).toBe(0);
    expect(poolPadding({})).toBe(0);
  });

  it.each(kinds)('%s %s (native %s): packets laid out as ssh2 does, padding random and distinct per packet', (c, m, native) => {
    poolPadding(cryptoModule);
    const k = `${c} ${m} ${native}`;
    const after = cipher(c, m, native);
    expect([0, 1, 7, 13, 100, 1000].map((n) => { const p = after.allocPacket(n); return [p.length, p[4], p.readUInt32BE(0)]; })).toEqual(layouts.get(k));
    const paddings = Array.from({ length: 500 }, () => {
      const p = after.allocPacket(10);
      return p.subarray(15, 15 + p[4]!);
    });
    expect(paddings[0]!.length).toBeGreaterThanOrEqual(4);
    expect(new Set(paddings.map((p) => p.toString('hex'))).size).toBe(500);
    expect(new Set(Buffer.concat(paddings)).size).toBeGreaterThan(200);
  });
});

describe('coalesceWrites', () => {
  it('what is written in one tick leaves in one writev; nothing waits past the tick', async () => {
    const calls: string[][] = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) { calls.push([String(chunk)]); cb(); },
      writev(chunks, cb) { calls.push(chunks.map((c) => String(c.chunk))); cb(); },
    });
    coalesceWrites(sink);
    sink.write('a');
    sink.write('b');
    sink.write('c');
    expect(calls).toEqual([]);
    await new Promise((r) => process.nextTick(r));
    expect(calls).toEqual([['a', 'b', 'c']]);
    sink.write('d');
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([['a', 'b', 'c'], ['d']]);
  });
});

describe('quietChannelDestroy', () => {
  const channelModule = require('ssh2/lib/Channel.js') as { Channel: new (client: unknown, info: unknown) => import('node:stream').Duplex & { close(): void } };
  const open = () => {
    const sent: string[] = [];
    const client = { _protocol: { channelEOF: () => sent.push('eof'), channelClose: () => sent.push('close'), channelData: () => undefined } };
    const ch = new channelModule.Channel(client, { type: 'session', incoming: { id: 0, window: 1 << 20, packetSize: 1 << 15, state: 'open' }, outgoing: { id: 0, window: 1 << 20, packetSize: 1 << 15, state: 'open' } });
    let ends = 0;
    const end = ch.end.bind(ch);
    ch.end = ((...a: unknown[]) => (ends++, end(...(a as [])))) as typeof ch.end;
    return { ch, sent, ends: () => ends };
  };

  it('ends an open channel and closes it, as ssh2 does; a finished one is only closed', async () => {
    expect(quietChannelDestroy(channelModule)).toBe(true);
    const a = open();
    a.ch.destroy();
    expect(a.ends()).toBe(1);
    expect(a.sent).toEqual(['eof', 'close']);

    const b = open();
    b.ch.end();
    await new Promise((r) => b.ch.once('finish', r));
    b.ch.destroy();
    expect(b.ends()).toBe(1); // the end() above, not another
    expect(b.sent).toEqual(['eof', 'close']);
    expect(quietChannelDestroy({})).toBe(false);
  });
});

it('end to end: commands over every patched cipher to ssh2’s server, writes grouped', async () => {
  const { Client } = await loadSsh2();
  const hostKey = ssh2.utils.generateKeyPairSync('ed25519').private;
  const server = new ssh2.Server({ hostKeys: [hostKey] }, (conn) => {
    conn.on('error', () => undefined);
    conn.on('authentication', (ctx) => ctx.accept());
    conn.on('ready', () => conn.on('session', (accept) => accept().on('exec', (acc, _r, info) => {
      const ch = acc();
      ch.end(`ran ${info.command}\n`);
      ch.exit(0);
    })));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    for (const cipherName of ['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com', 'aes128-ctr'] as const) {
      const c = new Client();
      await new Promise<void>((resolve, reject) => {
        c.once('ready', resolve).once('error', reject);
        c.connect({ host: '127.0.0.1', port, username: 'u', password: 'p', algorithms: { cipher: [cipherName], hmac: ['hmac-sha2-256-etm@openssh.com'] } });
      });
      const sock = (c as unknown as { _sock: { write: unknown } })._sock;
      expect(Object.hasOwn(sock, 'write')).toBe(true); // coalesced
      for (let i = 0; i < 3; i++) {
        const out = await new Promise<string>((resolve, reject) => c.exec(`cmd ${i}`, (err, ch) => {
          if (err) return reject(err);
          let text = '';
          ch.on('data', (d: Buffer) => (text += d)).on('close', () => resolve(text));
        }));
        expect(out).toBe(`ran cmd ${i}\n`);
      }
      c.end();
    }
  } finally {
    server.close();
  }
});
