// put over the connection's SFTP session (get is in sftp-get.ts). Files land under
// a temporary name and are renamed into place, so readers never see half a file;
// modes are kept. A directory is copied recursively: its *contents* go into the
// target directory.
import { randomHex } from '../core/random.js';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { posix } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { HostError } from '../core/errors.js';
import type { TransferResult } from '../transport/types.js';
import { call, eachLimited, fileType, remotePath, remoteStat, sftpReason } from './sftp-io.js';

const PARALLEL_FILES = 4;

interface Tally {
  bytes: number;
  files: number;
}

const remoteTmp = (p: string): string => posix.join(posix.dirname(p), `.${posix.basename(p)}.dpl-${randomHex(4)}`);

async function remoteMkdirp(sftp: SFTPWrapper, dir: string, mode: number): Promise<void> {
  const st = await remoteStat(sftp, dir);
  if (st) {
    if (fileType(st.mode) !== 'dir') throw new Error(`${dir} exists and is not a directory`);
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
  const { size } = await stat(local); // not `+= await`: files move in parallel
  t.bytes += size;
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
  await eachLimited(files, PARALLEL_FILES, ([src, dst, m]) => putFile(sftp, src, dst, m, t));
}

export async function put(sftp: SFTPWrapper, display: string, local: string, remote: string, mode?: number): Promise<TransferResult> {
  const st = await stat(local).catch(() => null);
  if (!st) throw new HostError(display, `put: local path not found: ${local}`, { code: 'transfer.failed' });
  const t: Tally = { bytes: 0, files: 0 };
  let target = remotePath(remote);
  let shown = remote;
  try {
    if (st.isDirectory()) {
      await putDir(sftp, local, target, mode ?? st.mode & 0o7777, t);
    } else {
      const existing = await remoteStat(sftp, target);
      if (existing && fileType(existing.mode) === 'dir') {
        target = posix.join(target, basename(local));
        shown = posix.join(remote, basename(local));
      }
      await putFile(sftp, local, target, mode ?? st.mode & 0o7777, t);
    }
  } catch (err) {
    throw new HostError(display, `put ${local} -> ${remote} failed: ${sftpReason(err)}`, { code: 'transfer.failed' });
  }
  return { local, remote: shown, bytes: t.bytes, files: t.files };
}
