// get: a remote file, or a directory's contents, to local disk, without trusting
// the host (issue #14). The rules are OpenSSH's (sftp-client.c download_dir and
// do_download, scp.c sink), written down in docs/ssh.md "File transfer":
// - a name in a listing is one path component: "/", "", NUL, or "."/".." that is not
//   a directory refuses the whole get before anything of that listing is written;
// - files and new directories keep their permission bits without setuid, setgid and
//   sticky, through the local umask (as sftp without -p); a directory gets its final
//   mode once filled; directories that exist already are left as they are;
// - symlinks are skipped with a warning, as `sftp get -R` does, unless followLinks;
//   a followed link to a directory this get has entered is skipped; at most 64
//   levels (OpenSSH's MAX_DIR_DEPTH); nothing is ever written through a local link;
// - the stop switch (Ctrl-C) ends it at once, temp files removed.
import { lstat, mkdir, chmod, stat } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import type { SFTPWrapper, Stats } from 'ssh2';
import { DplError, HostError } from '../core/errors.js';
import type { TransferResult } from '../transport/types.js';
import { downloadFile, type RemoteFile } from './sftp-download.js';
import { call, eachLimited, fileType, keptBits, remotePath, remoteStat, sftpReason, type TransferStop } from './sftp-io.js';
import type { EventMap } from '../core/events.js';
import type {} from './events.js'; // the EventMap entries this file emits

const MAX_DEPTH = 64;
const PARALLEL_FILES = 4;
const OWNER_WX = 0o300;
const EOF = 1; // SSH_FX_EOF

export interface GetParams {
  display: string;
  followLinks: boolean;
  stop: TransferStop;
  /** An entry not copied (its words: reporters/format/ssh.ts). */
  skipped: (path: string, reason: EventMap['sftp.skipped']['reason'], target?: string) => void;
}

interface Entry {
  filename: string;
  attrs: Stats;
}

/** ssh2 takes `{ full: true }` (keep "." and ".."); its typings do not say so. */
type ReaddirFull = (handle: Buffer, opts: { full: boolean }, cb: (err: (Error & { code?: number }) | undefined, list: Entry[]) => void) => void;

const isDotName = (n: string): boolean => n === '.' || n === '..';

/** A listing name that is not exactly one path component (OpenSSH: "Server sent suspect path"). */
function unsafeName(e: Entry): boolean {
  if (isDotName(e.filename)) return fileType(e.attrs.mode) !== 'dir';
  return e.filename === '' || e.filename.includes('/') || e.filename.includes('\0');
}

/** Control characters from the host's names shown as \xNN: a name must not drive the terminal (OpenSSH's fmprintf does the same). */
const shown = (s: string): string => s.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

const child = (dir: string, name: string): string => (dir.endsWith('/') ? dir + name : `${dir}/${name}`);

class Download {
  bytes = 0;
  files = 0;
  /** Canonical remote directories entered: a followed link to one of them would copy it again, or forever. */
  private readonly seen = new Set<string>();
  /** Permission bits a copy keeps: no setuid, setgid or sticky, and the local umask applied. */
  readonly keep = keptBits();

  constructor(
    private readonly sftp: SFTPWrapper,
    private readonly remote: string,
    private readonly p: GetParams,
  ) {}

  private refuse(message: string, hint?: string): HostError {
    return new HostError(this.p.display, `get ${this.remote}: ${message}`, { code: 'transfer.failed', hint });
  }

  private wait<T>(fn: (cb: (err: Error | null | undefined, v?: T) => void) => void): Promise<T> {
    return this.p.stop.race(call<T>(fn));
  }

  /** The whole listing, "." and ".." included (ssh2's readdir(path) drops them, and goes on reading after an abort). */
  private async list(src: string): Promise<Entry[]> {
    const handle = await this.wait<Buffer>((cb) => this.sftp.opendir(src, cb));
    const entries: Entry[] = [];
    try {
      for (;;) {
        const batch = await this.wait<Entry[] | false>((cb) =>
          (this.sftp.readdir as unknown as ReaddirFull).call(this.sftp, handle, { full: true }, (err, list) =>
            err?.code === EOF ? cb(undefined, false) : cb(err, list),
          ),
        );
        if (!batch) return entries;
        entries.push(...batch);
      }
    } finally {
      this.sftp.close(handle, () => undefined);
    }
  }

  async file(f: RemoteFile, target: string): Promise<void> {
    const n = await downloadFile(this.sftp, f, target, this.p.stop); // not `+= await`: files move in parallel
    this.bytes += n;
    this.files++;
  }

  /** Copy the listing of `src` into `dst`; `exists` when `dst` is a directory already (its mode is kept). */
  async dir(src: string, canonical: string, dst: string, mode: number, depth: number, exists: boolean): Promise<void> {
    if (depth >= MAX_DEPTH) {
      throw this.refuse(`more than ${MAX_DEPTH} directory levels at ${shown(src)}`, 'the tree is that deep, or the server lists a directory inside itself');
    }
    this.seen.add(canonical);
    const entries = await this.list(src);
    const bad = entries.find(unsafeName);
    if (bad) {
      throw this.refuse(
        `the server sent an unsafe name "${shown(bad.filename)}" in the listing of ${shown(src)}; refused`,
        'a name in a listing must be one path component; the SFTP server is broken or hostile (nothing of that listing was written)',
      );
    }
    if (!exists) await mkdir(dst, (mode | OWNER_WX) & this.keep);
    const files: Array<[RemoteFile, string]> = [];
    for (const e of entries) {
      this.p.stop.check();
      if (isDotName(e.filename)) continue;
      const from = child(src, e.filename);
      const to = join(dst, e.filename);
      let attrs = e.attrs;
      let type = fileType(attrs.mode);
      let canon = posix.join(canonical, e.filename);
      if (type === 'link') {
        if (!this.p.followLinks) {
          this.p.skipped(from, 'symlink');
          continue;
        }
        const target = await this.p.stop.race(remoteStat(this.sftp, from));
        if (!target) {
          this.p.skipped(from, 'dangling');
          continue;
        }
        attrs = target;
        type = fileType(attrs.mode);
        if (type === 'dir') {
          canon = await this.wait<string>((cb) => this.sftp.realpath(from, cb));
          if (this.seen.has(canon)) {
            this.p.skipped(from, 'loop', canon);
            continue;
          }
        }
      }
      if (type === 'dir') await this.dir(from, canon, to, attrs.mode, depth + 1, await this.isLocalDir(to));
      else if (type === 'file') files.push([{ path: from, mode: attrs.mode & this.keep, sizeHint: attrs.size ?? 0 }, to]);
      else this.p.skipped(from, 'special');
    }
    await eachLimited(files, PARALLEL_FILES, ([f, to]) => this.file(f, to));
    // Made with u+wx to be filled; a mode without them is set last, as OpenSSH does.
    if (!exists && ((mode | OWNER_WX) & this.keep) !== (mode & this.keep)) await chmod(dst, mode & this.keep);
  }

  localRefusal(path: string): HostError {
    return this.refuse(`${shown(path)} exists and is not a directory`, 'dpl does not write through a link or over a file here; move it away and get again');
  }

  /** Whether a subdirectory's local path is a real directory already; a link or a file there is refused (lstat: never followed). */
  private async isLocalDir(path: string): Promise<boolean> {
    const st = await lstat(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return null;
      throw e;
    });
    if (st && !st.isDirectory()) throw this.localRefusal(path);
    return !!st;
  }
}

export async function get(sftp: SFTPWrapper, remote: string, local: string, p: GetParams): Promise<TransferResult> {
  const src = remotePath(remote);
  const st = await p.stop.race(remoteStat(sftp, src));
  if (!st) throw new HostError(p.display, `get: remote path not found: ${remote}`, { code: 'transfer.failed' });
  const d = new Download(sftp, remote, p);
  let target = local;
  try {
    const type = fileType(st.mode);
    if (type === 'dir') {
      // The target itself may be a link the caller chose (stat follows it); inside it, nothing is followed.
      const existing = await stat(local).catch(() => null);
      if (existing && !existing.isDirectory()) throw d.localRefusal(local);
      if (!existing) await mkdir(dirname(local), { recursive: true });
      const canonical = p.followLinks ? await p.stop.race(call<string>((cb) => sftp.realpath(src, cb))) : src;
      await d.dir(src, canonical, local, st.mode, 0, !!existing);
    } else if (type === 'file') {
      const existing = await stat(local).catch(() => null);
      if (existing?.isDirectory()) target = join(local, posix.basename(src));
      await mkdir(dirname(target), { recursive: true });
      await d.file({ path: src, mode: st.mode & d.keep, sizeHint: st.size ?? 0 }, target);
    } else {
      throw new HostError(p.display, `get ${remote}: not a regular file or directory`, { code: 'transfer.failed' });
    }
  } catch (err) {
    if (err instanceof DplError) throw err;
    throw new HostError(p.display, `get ${remote} -> ${local} failed: ${shown(sftpReason(err))}`, { code: 'transfer.failed' });
  }
  return { local: target, remote, bytes: d.bytes, files: d.files };
}
