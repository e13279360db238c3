// put/get over the connection's SFTP session. Files land under a temporary name
// and are renamed into place, so readers never see half a file; modes are kept.
// A directory is copied recursively: its *contents* go into the target directory.
import { randomHex } from '../core/random.js';
import { chmod, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { posix } from 'node:path';
import type { SFTPWrapper, Stats } from 'ssh2';
import { HostError } from '../core/errors.js';
import type { TransferResult } from '../transport/types.js';

const PARALLEL_FILES = 4;
const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

interface Tally {
  bytes: number;
  files: number;
}

const call = <T>(fn: (cb: (err: Error | null | undefined, v?: T) => void) => void): Promise<T> =>
  new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v as T))));

const suffix = (): string => `.dpl-${randomHex(4)}`;
const remoteTmp = (p: string): string => posix.join(posix.dirname(p), `.${posix.basename(p)}${suffix()}`);
const localTmp = (p: string): string => join(dirname(p), `.${basename(p)}${suffix()}`);

/** `~/x` → `x`: SFTP paths are relative to the login directory, it has no `~`. */
export function remotePath(p: string): string {
  if (p === '~') return '.';
  return p.startsWith('~/') ? p.slice(2) || '.' : p;
}

function sftpReason(err: unknown): string {
  const e = err as Error & { code?: number | string };
  if (e.code === 2) return 'no such file or directory';
  if (e.code === 3) return 'permission denied';
  return e.message;
}

async function remoteStat(sftp: SFTPWrapper, p: string): Promise<Stats | null> {
  try {
    return await call<Stats>((cb) => sftp.stat(p, cb));
  } catch {
    return null;
  }
}

async function remoteMkdirp(sftp: SFTPWrapper, dir: string, mode: number): Promise<void> {
  const st = await remoteStat(sftp, dir);
  if (st) {
    if ((st.mode & S_IFMT) !== S_IFDIR) throw new Error(`${dir} exists and is not a directory`);
    return;
  }
  const parent = posix.dirname(dir);
  if (parent !== dir && parent !== '.' && parent !== '/') await remoteMkdirp(sftp, parent, 0o755);
  try {
    await call<void>((cb) => sftp.mkdir(dir, { mode }, cb));
  } catch (err) {
    if (!(await remoteStat(sftp, dir))) throw err;
  }
}

async function renameInto(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  try {
    await call<void>((cb) => sftp.ext_openssh_rename(from, to, cb));
  } catch {
    await call<void>((cb) => sftp.unlink(to, cb)).catch(() => undefined);
    await call<void>((cb) => sftp.rename(from, to, cb));
  }
}

async function pool<T>(items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  const worker = async (): Promise<void> => {
    while (i < items.length) await fn(items[i++]!);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_FILES, items.length) }, worker));
}

async function putFile(sftp: SFTPWrapper, local: string, target: string, mode: number, t: Tally): Promise<void> {
  const tmp = remoteTmp(target);
  try {
    await call<void>((cb) => sftp.fastPut(local, tmp, { mode }, cb));
    await call<void>((cb) => sftp.chmod(tmp, mode, cb));
    await renameInto(sftp, tmp, target);
  } catch (err) {
    await call<void>((cb) => sftp.unlink(tmp, cb)).catch(() => undefined);
    throw err;
  }
  t.bytes += (await stat(local)).size;
  t.files++;
}

async function putDir(sftp: SFTPWrapper, local: string, target: string, mode: number, t: Tally): Promise<void> {
  await remoteMkdirp(sftp, target, mode);
  await call<void>((cb) => sftp.chmod(target, mode, cb));
  const files: Array<[string, string, number]> = [];
  for (const entry of await readdir(local)) {
    const src = join(local, entry);
    const st = await stat(src).catch(() => null); // follows symlinks; dangling ones are skipped
    if (!st) continue;
    const dst = posix.join(target, entry);
    if (st.isDirectory()) await putDir(sftp, src, dst, st.mode & 0o7777, t);
    else if (st.isFile()) files.push([src, dst, st.mode & 0o7777]);
  }
  await pool(files, ([src, dst, m]) => putFile(sftp, src, dst, m, t));
}

export async function put(sftp: SFTPWrapper, display: string, local: string, remote: string, mode?: number): Promise<TransferResult> {
  const st = await stat(local).catch(() => null);
  if (!st) throw new HostError(display, `put: local path not found: ${local}`);
  const t: Tally = { bytes: 0, files: 0 };
  let target = remotePath(remote);
  let shown = remote;
  try {
    if (st.isDirectory()) {
      await putDir(sftp, local, target, mode ?? st.mode & 0o7777, t);
    } else {
      const existing = await remoteStat(sftp, target);
      if (existing && (existing.mode & S_IFMT) === S_IFDIR) {
        target = posix.join(target, basename(local));
        shown = posix.join(remote, basename(local));
      }
      await putFile(sftp, local, target, mode ?? st.mode & 0o7777, t);
    }
  } catch (err) {
    throw new HostError(display, `put ${local} -> ${remote} failed: ${sftpReason(err)}`);
  }
  return { local, remote: shown, bytes: t.bytes, files: t.files };
}

async function getFile(sftp: SFTPWrapper, remote: string, target: string, st: Stats, t: Tally): Promise<void> {
  const tmp = localTmp(target);
  try {
    await call<void>((cb) => sftp.fastGet(remote, tmp, cb));
    await chmod(tmp, st.mode & 0o7777);
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  t.bytes += st.size;
  t.files++;
}

async function getDir(sftp: SFTPWrapper, remote: string, target: string, st: Stats, t: Tally): Promise<void> {
  await mkdir(target, { recursive: true });
  await chmod(target, st.mode & 0o7777);
  const entries = await call<Array<{ filename: string; attrs: Stats }>>((cb) => sftp.readdir(remote, cb));
  const files: Array<[string, string, Stats]> = [];
  for (const e of entries) {
    if (e.filename === '.' || e.filename === '..') continue;
    const src = posix.join(remote, e.filename);
    let attrs = e.attrs;
    if ((attrs.mode & S_IFMT) !== S_IFDIR && (attrs.mode & S_IFMT) !== S_IFREG) {
      const followed = await remoteStat(sftp, src); // symlink: follow it
      if (!followed) continue;
      attrs = followed;
    }
    const dst = join(target, e.filename);
    if ((attrs.mode & S_IFMT) === S_IFDIR) await getDir(sftp, src, dst, attrs, t);
    else if ((attrs.mode & S_IFMT) === S_IFREG) files.push([src, dst, attrs]);
  }
  await pool(files, ([src, dst, a]) => getFile(sftp, src, dst, a, t));
}

export async function get(sftp: SFTPWrapper, display: string, remote: string, local: string): Promise<TransferResult> {
  const src = remotePath(remote);
  const st = await remoteStat(sftp, src);
  if (!st) throw new HostError(display, `get: remote path not found: ${remote}`);
  const t: Tally = { bytes: 0, files: 0 };
  let target = local;
  try {
    if ((st.mode & S_IFMT) === S_IFDIR) {
      await getDir(sftp, src, local, st, t);
    } else {
      const existing = await stat(local).catch(() => null);
      if (existing?.isDirectory()) target = join(local, posix.basename(src));
      await mkdir(dirname(target), { recursive: true });
      await getFile(sftp, src, target, st, t);
    }
  } catch (err) {
    throw new HostError(display, `get ${remote} -> ${local} failed: ${sftpReason(err)}`);
  }
  return { local: target, remote, bytes: t.bytes, files: t.files };
}
