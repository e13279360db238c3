// One remote file to a local path. The bytes go to a temp file beside the target,
// created 0600 and exclusively (never through something planted at that name), and
// the file gets its mode only when complete, just before the rename: a reader never
// sees half a file, and nobody else can read it while it downloads. Reads are
// pipelined as OpenSSH's sftp does them (up to 64 × 32 KiB in flight, as far as the
// size the listing gave) and go on to EOF, not to that size.
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { randomHex } from '../core/random.js';
import { call, type TransferStop } from './sftp-io.js';

const CHUNK = 32 * 1024;
const IN_FLIGHT = 64;

const tempBeside = (p: string): string => join(dirname(p), `.${basename(p)}.dpl-${randomHex(4)}`);

export interface RemoteFile {
  path: string;
  /** Permission bits the local file gets. */
  mode: number;
  /** What the listing said: how far to read ahead. */
  sizeHint: number;
}

/** Download `file` to `target`; returns the bytes written. */
export async function downloadFile(sftp: SFTPWrapper, file: RemoteFile, target: string, stop: TransferStop): Promise<number> {
  stop.check();
  const handle = await stop.race(call<Buffer>((cb) => sftp.open(file.path, 'r', cb)));
  const tmp = tempBeside(target);
  let fh: FileHandle | undefined;
  try {
    fh = await open(tmp, 'wx', 0o600);
    const { bytes, furthest } = await stop.race(readAll(sftp, handle, fh, file.sizeHint, stop));
    if (furthest > bytes) await fh.truncate(bytes); // a server that answered past its own EOF leaves no tail
    await fh.chmod(file.mode);
    await fh.close();
    fh = undefined;
    await rename(tmp, target);
    return bytes;
  } catch (err) {
    await fh?.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  } finally {
    // Not awaited: a stalled server would hold the abort.
    sftp.close(handle, () => undefined);
  }
}

/** Reads until EOF: `bytes` is where it came, `furthest` the end of the furthest data written. */
function readAll(sftp: SFTPWrapper, handle: Buffer, fh: FileHandle, sizeHint: number, stop: TransferStop): Promise<{ bytes: number; furthest: number }> {
  return new Promise((resolve, reject) => {
    let next = 0;
    let end = Infinity;
    // Requests start at or before this: the claimed size, then what has arrived (one
    // request at 0 for an empty file, not 64 that all answer EOF).
    let ahead = sizeHint;
    let furthest = 0;
    let busy = 0;
    let done = false;
    const spare: Buffer[] = []; // at most IN_FLIGHT buffers per file, reused: no 32 KiB garbage per read
    const fail = (err: unknown): void => {
      if (!done) {
        done = true;
        reject(err);
      }
    };
    const fill = (): void => {
      while (!done && busy < IN_FLIGHT && next < end && next <= ahead) {
        request(next, CHUNK);
        next += CHUNK;
      }
      if (!done && busy === 0) {
        if (end === Infinity) return fail(new Error(`read stopped before the end of the file at ${next}`));
        done = true;
        resolve({ bytes: end, furthest });
      }
    };
    const request = (pos: number, len: number): void => {
      busy++;
      const buf = spare.pop() ?? Buffer.allocUnsafe(CHUNK);
      try {
        sftp.read(handle, buf, 0, len, pos, (err, n) => {
          if (done || stop.aborted) return;
          if (err) return fail(err);
          if (n === 0) {
            end = Math.min(end, pos);
            busy--;
            spare.push(buf);
            return fill();
          }
          fh.write(buf, 0, n, pos).then(() => {
            busy--;
            spare.push(buf);
            ahead = Math.max(ahead, pos + n);
            furthest = Math.max(furthest, pos + n);
            if (done || stop.aborted) return;
            if (n < len && pos + n < end) request(pos + n, len - n); // a short read: ask for the rest
            fill();
          }, fail);
        });
      } catch (err) {
        fail(err);
      }
    };
    fill();
  });
}
