// Writes the tar stream an upload ships (ustar, with pax records for long names
// and huge files): directories, symlinks, the changed files' contents, hard links
// for the files the host already has in the base release, and the manifest.
// Written here rather than by the local `tar` so headers are the same on every
// machine (owner 0, whole-second mtimes the manifest can compare), and so hard
// links can point into the base release (extracted with GNU tar -P).
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { DplError } from '../core/errors.js';
import type { Entry } from './manifest.js';
import { Broadcast } from './broadcast.js';

const BLOCK = 512;
const MAX_OCTAL_SIZE = 8 ** 11 - 1;

interface Header {
  name: string;
  type: '0' | '1' | '2' | '5' | 'x';
  mode: number;
  size: number;
  mtime: number;
  linkname?: string;
}

function octal(buf: Buffer, offset: number, width: number, value: number): void {
  buf.write(value.toString(8).padStart(width - 1, '0') + '\0', offset, width, 'ascii');
}

/** `<length> key=value\n`, where length counts the whole record, its own digits included. */
export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const n = Buffer.byteLength(body);
  let len = n + String(n).length;
  if (String(len).length !== String(n).length) len = n + String(len).length;
  return `${len}${body}`;
}

function rawHeader(h: Header): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(h.name, 0, 100, 'utf8');
  octal(b, 100, 8, h.mode);
  octal(b, 108, 8, 0);
  octal(b, 116, 8, 0);
  octal(b, 124, 12, h.size);
  octal(b, 136, 12, h.mtime);
  b.fill(' ', 148, 156);
  b.write(h.type, 156, 1, 'ascii');
  if (h.linkname) b.write(h.linkname, 157, 100, 'utf8');
  b.write('ustar\0' + '00', 257, 8, 'ascii');
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return b;
}

const padding = (size: number): Buffer => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

/** One entry's header block(s): a pax header first when a name or size does not fit ustar. */
function header(h: Header): Buffer {
  const records: string[] = [];
  if (Buffer.byteLength(h.name) > 100) records.push(paxRecord('path', h.name));
  if (h.linkname && Buffer.byteLength(h.linkname) > 100) records.push(paxRecord('linkpath', h.linkname));
  if (h.size > MAX_OCTAL_SIZE) records.push(paxRecord('size', String(h.size)));
  const main = rawHeader({ ...h, name: cut(h.name), linkname: h.linkname && cut(h.linkname), size: Math.min(h.size, MAX_OCTAL_SIZE) });
  if (!records.length) return main;
  const data = Buffer.from(records.join(''));
  return Buffer.concat([rawHeader({ name: 'PaxHeader', type: 'x', mode: 0o644, size: data.length, mtime: h.mtime }), data, padding(data.length), main]);
}

/** A ustar field of at most 100 bytes (the pax record holds the whole name). */
function cut(s: string): string {
  let out = s;
  while (Buffer.byteLength(out) > 100) out = out.slice(0, -1);
  return out;
}

export interface PackSpec {
  /** The build output the shipped files are read from. */
  root: string;
  entries: readonly Entry[];
  /** Paths written as hard links to `<linkBase>/<path>` instead of their bytes. */
  linked: ReadonlySet<string>;
  /** Where linked files are, relative to the new release directory (`../<base release>`). */
  linkBase?: string;
  /** Extra files at the end (the manifest). */
  extra: Array<{ name: string; data: Buffer }>;
  /** gzip level, or 0 for a plain tar. */
  gzip: number;
}

const WHOLE = 4 * 1024 * 1024;
/** zlib works a chunk at a time in the thread pool: hand it large chunks, not 512-byte headers. */
const CHUNK = 1024 * 1024;

async function* fileBlocks(root: string, e: Extract<Entry, { type: 'f' }>): AsyncGenerator<Buffer> {
  const file = path.join(root, e.path);
  let seen = 0;
  if (e.size > 0 && e.size <= WHOLE) {
    const data = await readFile(file);
    seen = data.length;
    if (seen === e.size) yield data;
  } else if (e.size > 0) {
    for await (const chunk of createReadStream(file)) {
      seen += (chunk as Buffer).length;
      if (seen > e.size) break;
      yield chunk as Buffer;
    }
  }
  if (seen !== e.size) throw new DplError(`${e.path} changed in the build output while it was being packed`, { code: 'build.failed', hint: 'is something still writing to it?' });
  yield padding(e.size);
}

async function* tarBlocks(spec: PackSpec): AsyncGenerator<Buffer> {
  const now = Math.floor(Date.now() / 1000);
  for (const e of spec.entries) {
    if (e.type === 'd') yield header({ name: `${e.path}/`, type: '5', mode: e.mode, size: 0, mtime: now });
    else if (e.type === 'l') yield header({ name: e.path, type: '2', mode: 0o777, size: 0, mtime: now, linkname: e.target });
    else if (spec.linked.has(e.path)) yield header({ name: e.path, type: '1', mode: e.mode, size: 0, mtime: e.mtime, linkname: `${spec.linkBase}/${e.path}` });
    else {
      yield header({ name: e.path, type: '0', mode: e.mode, size: e.size, mtime: e.mtime });
      yield* fileBlocks(spec.root, e);
    }
  }
  for (const x of spec.extra) {
    yield header({ name: x.name, type: '0', mode: 0o644, size: x.data.length, mtime: now });
    yield x.data;
    yield padding(x.data.length);
  }
  yield Buffer.alloc(BLOCK * 2);
}

async function* coalesce(blocks: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let size = 0;
  for await (const b of blocks) {
    parts.push(b);
    size += b.length;
    if (size >= CHUNK) {
      yield Buffer.concat(parts);
      parts = [];
      size = 0;
    }
  }
  if (size) yield Buffer.concat(parts);
}

/**
 * Start packing the tar (gzipped unless `gzip` is 0) into a Broadcast: hosts read it
 * while it is made, and every host of a plan is sent the same bytes.
 */
export function packTar(spec: PackSpec): Broadcast {
  const out = new Broadcast();
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      out.push(chunk);
      done();
    },
  });
  const source = Readable.from(coalesce(tarBlocks(spec)));
  const packed = spec.gzip > 0 ? pipeline(source, createGzip({ level: spec.gzip }), sink) : pipeline(source, sink);
  packed.then(
    () => out.end(),
    (e: Error) => out.fail(e),
  );
  return out;
}
