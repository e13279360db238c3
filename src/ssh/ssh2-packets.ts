// ssh2's cost per packet and per command, cut (issue #18: a 500-host run spent
// ~1 ms of CPU a host on these): its padding, its socket writes, the error each
// finished channel builds and drops. Applied once per process by loadSsh2. Like
// the patches in ssh2-patches.ts, each checks the shape it expects and leaves
// ssh2 alone when it differs.
import { nodeCrypto } from '../core/random.js';

/** Random bytes drawn from the CSPRNG in bulk, each handed out once. */
export class RandomPool {
  private buf = Buffer.alloc(0);
  private pos = 0;

  constructor(private readonly size = 4096) {}

  /** Fill target[offset, offset + n) with bytes never handed out before. */
  fill(target: Buffer, offset: number, n: number): void {
    if (this.pos + n > this.buf.length) {
      if (this.buf.length !== Math.max(this.size, n)) this.buf = Buffer.allocUnsafe(Math.max(this.size, n));
      nodeCrypto().randomFillSync(this.buf);
      this.pos = 0;
    }
    // A few bytes: a loop beats a call into C++.
    for (let i = 0; i < n; i++) target[offset + i] = this.buf[this.pos++]!;
  }
}

/** What decides a packet's padding: bytes the padding alignment skips (the length field when it is sent in clear), block size, tag/MAC room. */
interface Layout {
  aad: number;
  block: number;
  mac: number;
}

interface Cipher {
  allocPacket(payloadLen: number): Buffer;
  _encBlockLen?: unknown;
  _aadLen?: unknown;
  _macLen?: unknown;
}

interface CryptoModule {
  NullCipher: new (seqno: number, onWrite: (b: Buffer) => void) => Cipher;
  createCipher: (config: unknown) => Cipher;
  CIPHER_INFO: Record<string, unknown>;
  MAC_INFO: Record<string, { len: number } | undefined>;
}

const PADDED = Symbol('dpl: pooled padding');

/** Every cipher class of ssh2, reached through instances with throwaway keys (a class whose probe fails is not patched). */
function probes(c: CryptoModule): Cipher[] {
  const onWrite = (): void => undefined;
  const made: Cipher[] = [new c.NullCipher(0, onWrite)];
  const kinds: Array<[cipher: string, mac?: string]> = [
    ['chacha20-poly1305@openssh.com'],
    ['aes128-gcm@openssh.com'],
    ['aes128-ctr', 'hmac-sha2-256'],
    ['aes128-ctr', 'hmac-sha2-256-etm@openssh.com'],
    ['3des-cbc', 'hmac-sha1'],
    ['3des-cbc', 'hmac-sha1-etm@openssh.com'],
  ];
  for (const forceNative of [false, true]) {
    for (const [cipher, mac] of kinds) {
      const info = c.CIPHER_INFO[cipher] as { keyLen: number; ivLen: number } | undefined;
      const macInfo = mac ? c.MAC_INFO[mac] : undefined;
      if (!info || (mac && !macInfo)) continue;
      try {
        made.push(c.createCipher({
          outbound: {
            onWrite, seqno: 0, forceNative, cipherInfo: info,
            cipherKey: Buffer.alloc(info.keyLen, 1), cipherIV: Buffer.alloc(info.ivLen, 2),
            ...(macInfo ? { macInfo, macKey: Buffer.alloc(macInfo.len, 3) } : {}),
          },
        }));
      } catch {
        // a cipher this OpenSSL lacks (3des): its class is probed through another, or not patched
      }
    }
  }
  return made;
}

/** Layouts a class may follow: from the fields of the block ciphers, else one fixed layout. */
function candidates(sample: Cipher): Array<(c: Cipher) => Layout> {
  if (typeof sample._encBlockLen === 'number' && typeof sample._aadLen === 'number') {
    return [(c) => ({ aad: c._aadLen as number, block: c._encBlockLen as number, mac: typeof c._macLen === 'number' ? c._macLen : 0 })];
  }
  const fixed: Array<(c: Cipher) => Layout> = [];
  for (const aad of [0, 4]) for (const block of [8, 16]) for (const mac of [0, 16]) {
    const layout = { aad, block, mac };
    fixed.push(() => layout);
  }
  return fixed;
}

function allocWith(layoutOf: (c: Cipher) => Layout, pool: RandomPool): (this: Cipher, payloadLen: number) => Buffer {
  return function allocPacket(this: Cipher, payloadLen: number): Buffer {
    const { aad, block, mac } = layoutOf(this);
    let pktLen = 5 + payloadLen;
    let padLen = block - ((pktLen - aad) & (block - 1));
    if (padLen < 4) padLen += block;
    pktLen += padLen;
    const packet = Buffer.allocUnsafe(pktLen + mac);
    packet.writeUInt32BE(pktLen - 4, 0);
    packet[4] = padLen;
    pool.fill(packet, 5 + payloadLen, padLen);
    return packet;
  };
}

/** Same size and header (length, padding length) as ssh2's own for every payload size a packet may have mod 64. */
function sameAsSsh2(original: Cipher['allocPacket'], ours: Cipher['allocPacket'], instances: Cipher[]): boolean {
  for (const c of instances) {
    for (let n = 0; n < 64; n++) {
      const a = original.call(c, n);
      const b = ours.call(c, n);
      if (a.length !== b.length || !a.subarray(0, 5).equals(b.subarray(0, 5))) return false;
    }
  }
  return true;
}

/**
 * ssh2 calls crypto.randomFillSync for every packet's few bytes of padding
 * (~0.3 ms a host in a 500-host run). Draw them from a pool refilled from the
 * same CSPRNG 4 kB at a time: still random, each byte used once. Patches each
 * cipher class's allocPacket once per process, after checking that the
 * replacement lays out packets exactly as ssh2 does. Returns the classes patched.
 */
export function poolPadding(cryptoModule: unknown): number {
  const c = cryptoModule as Partial<CryptoModule> | undefined;
  if (typeof c?.NullCipher !== 'function' || typeof c.createCipher !== 'function' || !c.CIPHER_INFO || !c.MAC_INFO) return 0;
  const byClass = new Map<object, Cipher[]>();
  for (const p of probes(c as CryptoModule)) {
    const proto = Object.getPrototypeOf(p) as object;
    byClass.set(proto, [...(byClass.get(proto) ?? []), p]);
  }
  const pool = new RandomPool();
  let patched = 0;
  for (const [proto, instances] of byClass) {
    const target = proto as Cipher & { [PADDED]?: true };
    const original = target.allocPacket;
    if (target[PADDED] || typeof original !== 'function') continue;
    const ours = candidates(instances[0]!).map((l) => allocWith(l, pool)).find((a) => sameAsSsh2(original, a, instances));
    if (!ours) continue;
    target.allocPacket = ours;
    target[PADDED] = true;
    patched++;
  }
  return patched;
}

/**
 * ssh2 writes each packet to the socket on its own: a command's channel EOF and
 * close, or the packets of one key exchange step, are a syscall each. Cork the
 * stream on its first write in a tick and uncork on the next tick: what ssh2
 * wrote meanwhile leaves in one writev. Nothing waits longer than the tick.
 */
export function coalesceWrites(stream: NodeJS.WritableStream & { cork?: () => void; uncork?: () => void }): void {
  const write = stream.write;
  if (typeof write !== 'function' || typeof stream.cork !== 'function' || typeof stream.uncork !== 'function') return;
  let corked = false;
  const uncork = (): void => {
    corked = false;
    stream.uncork!();
  };
  stream.write = function (this: unknown, ...args: unknown[]) {
    if (!corked) {
      corked = true;
      stream.cork!();
      process.nextTick(uncork);
    }
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as typeof stream.write;
}

const COALESCED = Symbol('dpl: coalesced writes');

/** coalesceWrites() on the stream of every Client.connect(), once per process. */
export function coalesceClientWrites(Client: unknown): boolean {
  const proto = (Client as { prototype?: Record<PropertyKey, unknown> } | undefined)?.prototype;
  const connect = proto?.['connect'];
  if (!proto || typeof connect !== 'function') return false;
  if (proto[COALESCED]) return true;
  proto[COALESCED] = true;
  proto['connect'] = function (this: { _sock?: NodeJS.WritableStream & { [COALESCED]?: true } }, ...args: unknown[]) {
    const r = (connect as (...a: unknown[]) => unknown).apply(this, args);
    const sock = this._sock;
    if (sock && !sock[COALESCED]) {
      sock[COALESCED] = true;
      coalesceWrites(sock);
    }
    return r;
  };
  return true;
}

const QUIET = Symbol('dpl: quiet channel destroy');

/**
 * A channel's destroy() calls end() even when the channel has finished, and
 * Node answers with an ERR_STREAM_ALREADY_FINISHED that nobody sees, built with
 * its stack trace: once per command (~0.3 ms a host in a 500-host run). Skip the
 * end() that cannot do anything: ended, and not corked (end() would uncork).
 */
export function quietChannelDestroy(channelModule: unknown): boolean {
  const proto = (channelModule as { Channel?: { prototype?: Record<PropertyKey, unknown> } } | undefined)?.Channel?.prototype;
  const destroy = proto?.['destroy'];
  if (!proto || typeof destroy !== 'function' || typeof proto['close'] !== 'function' || typeof proto['end'] !== 'function') return false;
  if (proto[QUIET]) return true;
  proto[QUIET] = true;
  proto['destroy'] = function (this: { writableEnded?: boolean; writableCorked?: number; end(): void; close(): void }) {
    if (this.writableEnded !== true || this.writableCorked) this.end();
    this.close();
    return this;
  };
  return true;
}
