// The manifest of an uploaded release (`.dpl-manifest` in its directory): every
// file, directory and symlink of the build output with its mode, and for files the
// size, mtime and sha256. The next upload compares its own build with the live
// release's manifest and ships only what differs; unchanged files are hard-linked
// from that release (upload.ts). The host's own `find` listing of that release is
// checked against the manifest first, so a file changed there since (size, mtime,
// mode or type) is shipped again instead of linked.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import { eachLimited } from '../ssh/sftp-io.js';
import path from 'node:path';
import { DplError } from '../core/errors.js';

export const MANIFEST_NAME = '.dpl-manifest';
const HEADER = 'dpl-manifest 1';

export type Entry =
  | { path: string; type: 'f'; mode: number; size: number; mtime: number; hash: string }
  | { path: string; type: 'd'; mode: number }
  | { path: string; type: 'l'; target: string };

/** What the host's `find -printf '%y %m %s %T@ %P\0'` says about one path of a release. */
export interface HostStat {
  type: string;
  mode: number;
  size: number;
  /** `%T@`: seconds with a fraction. */
  mtime: string;
}

const WHOLE = 4 * 1024 * 1024;
const PARALLEL = 8;

async function hashFile(file: string, size: number): Promise<string> {
  const h = createHash('sha256');
  if (size <= WHOLE) return h.update(await readFile(file)).digest('hex');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Every entry under `root` (not root itself), parents before children, symlinks not followed. */
export async function scanTree(root: string): Promise<Entry[]> {
  const out: Entry[] = [];
  const hashes: Array<Extract<Entry, { type: 'f' }>> = [];
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(path.join(root, rel))).sort();
    for (const name of names) {
      const p = rel ? `${rel}/${name}` : name;
      if (p === MANIFEST_NAME) throw new DplError(`the build output holds ${MANIFEST_NAME}, a name dpl keeps for itself`, { code: 'build.failed', hint: 'rename or remove it in build.command' });
      const abs = path.join(root, p);
      const st = await lstat(abs);
      if (st.isDirectory()) {
        out.push({ path: p, type: 'd', mode: st.mode & 0o7777 });
        await walk(p);
      } else if (st.isFile()) {
        const e = { path: p, type: 'f' as const, mode: st.mode & 0o7777, size: st.size, mtime: Math.max(0, Math.floor(st.mtimeMs / 1000)), hash: '' };
        out.push(e);
        hashes.push(e);
      } else if (st.isSymbolicLink()) {
        out.push({ path: p, type: 'l', target: await readlink(abs) });
      } else {
        throw new DplError(`the build output holds ${p}, which is neither a file, a directory nor a symlink`, { code: 'build.failed', hint: 'remove sockets, fifos and devices in build.command' });
      }
    }
  };
  await walk('');
  // Hashing is most of a scan: several files at once keep the disk and the hasher busy.
  await eachLimited(hashes, PARALLEL, async (e) => void (e.hash = await hashFile(path.join(root, e.path), e.size)));
  out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return out;
}

const row = (e: Entry): unknown[] =>
  e.type === 'f' ? [e.path, 'f', e.mode, e.size, e.mtime, e.hash] : e.type === 'd' ? [e.path, 'd', e.mode] : [e.path, 'l', e.target];

/** One JSON array per line (names may hold newlines), under a header with the body's sha256. */
export function formatManifest(entries: readonly Entry[]): string {
  const body = entries.map((e) => JSON.stringify(row(e)) + '\n').join('');
  return `${HEADER} ${createHash('sha256').update(body).digest('hex')}\n${body}`;
}

/** The entries of a manifest, or undefined when it is damaged in any way (then: a full upload). */
export function parseManifest(text: string): Map<string, Entry> | undefined {
  const nl = text.indexOf('\n');
  if (nl < 0) return undefined;
  const [head, body] = [text.slice(0, nl), text.slice(nl + 1)];
  if (head !== `${HEADER} ${createHash('sha256').update(body).digest('hex')}`) return undefined;
  const out = new Map<string, Entry>();
  try {
    for (const line of body.split('\n')) {
      if (!line) continue;
      const r = JSON.parse(line) as unknown[];
      const [p, type] = r;
      if (typeof p !== 'string') return undefined;
      if (type === 'f' && r.length === 6) out.set(p, { path: p, type, mode: Number(r[2]), size: Number(r[3]), mtime: Number(r[4]), hash: String(r[5]) });
      else if (type === 'd' && r.length === 3) out.set(p, { path: p, type, mode: Number(r[2]) });
      else if (type === 'l' && r.length === 3) out.set(p, { path: p, type, target: String(r[2]) });
      else return undefined;
    }
  } catch {
    return undefined;
  }
  return out;
}

/** `find -printf '%y %m %s %T@ %P\0'` output → path → stat. */
export function parseFindListing(text: string): Map<string, HostStat> {
  const out = new Map<string, HostStat>();
  for (const rec of text.split('\0')) {
    const m = /^(\S) ([0-7]+) (\d+) ([\d.]+) ([\s\S]+)$/.exec(rec);
    if (m) out.set(m[5]!, { type: m[1]!, mode: parseInt(m[2]!, 8), size: Number(m[3]), mtime: m[4]! });
  }
  return out;
}

/** The host's file is still what the old manifest recorded: same type, mode, size and whole-second mtime. */
function untouched(old: Extract<Entry, { type: 'f' }>, st: HostStat | undefined): boolean {
  if (!st || st.type !== 'f' || st.mode !== old.mode || st.size !== old.size) return false;
  const [secs, frac = ''] = st.mtime.split('.');
  return Number(secs) === old.mtime && /^0*$/.test(frac);
}

export interface UploadPlan {
  /** Files hard-linked from the base release (their mtime is the base's). */
  linked: Array<Extract<Entry, { type: 'f' }>>;
  /** The new release's manifest: the build's entries, with linked files' mtimes from the base. */
  entries: Entry[];
}

/**
 * Which files of `local` can be hard-linked from the base release: same content and
 * mode as its manifest says, and the host's file still as the manifest recorded it.
 */
export function planUpload(local: readonly Entry[], base?: { manifest: Map<string, Entry>; stat: Map<string, HostStat> }): UploadPlan {
  if (!base) return { linked: [], entries: [...local] };
  const linked: UploadPlan['linked'] = [];
  const entries = local.map((e): Entry => {
    if (e.type !== 'f') return e;
    const old = base.manifest.get(e.path);
    if (!old || old.type !== 'f' || old.hash !== e.hash || old.mode !== e.mode || old.size !== e.size) return e;
    if (!untouched(old, base.stat.get(e.path))) return e;
    const kept = { ...e, mtime: old.mtime };
    linked.push(kept);
    return kept;
  });
  return { linked, entries };
}
